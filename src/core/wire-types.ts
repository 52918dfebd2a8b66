/**
 * Types and limits of the `peerfold` wire messages; the format itself is documented in wire.ts.
 */
import type { Role } from './capability';

/** The BEP 10 extension name peers register in the extended handshake. */
export const EXTENSION_NAME = 'peerfold';
/** The one protocol version this peer speaks (the `v` key of every message). */
export const PROTOCOL_VERSION = 1;

/** Largest object (sealed block or index node) a `data` message carries: 256 KiB. */
export const MAX_OBJECT_BYTES = 256 * 1024;
/** Largest encoded message: the largest object plus 1 KiB for the envelope. */
export const MAX_MESSAGE_BYTES = MAX_OBJECT_BYTES + 1024;
/** Addresses in one `want` or `dont-have`. */
export const MAX_WANT = 1024;
/** Signed heads in one `heads` message. */
export const MAX_HEADS = 64;
/** Bytes of one encoded signed head. */
export const MAX_HEAD_BYTES = 4096;
/** Largest single `credit` grant: 64 MiB. */
export const MAX_CREDIT = 64 * 1024 * 1024;
/** UTF-8 bytes of the `hello` agent string. */
export const MAX_AGENT_BYTES = 64;
/** UTF-8 bytes of the `bye` reason. */
export const MAX_REASON_BYTES = 256;
export const NONCE_BYTES = 32;
export const MAC_BYTES = 32;

export interface HelloMessage {
  readonly type: 'hello';
  /** Fresh random 32 bytes for this session, bound into both capability proofs. */
  readonly nonce: Uint8Array;
  /** The capability the peer claims to hold: unverified, for display only. */
  readonly role: Role;
  /** Software name and version, for display; at most MAX_AGENT_BYTES of UTF-8. */
  readonly agent?: string | undefined;
}

export interface ProofMessage {
  readonly type: 'proof';
  readonly mac: Uint8Array;
}

export interface HeadsMessage {
  readonly type: 'heads';
  /** Encoded signed heads, each checked by the replica, not here. */
  readonly heads: readonly Uint8Array[];
}

export interface WantMessage {
  readonly type: 'want';
  readonly addresses: readonly Uint8Array[];
}

export interface DataMessage {
  readonly type: 'data';
  readonly address: Uint8Array;
  /** The object's stored bytes: the receiver must check they hash to `address`. */
  readonly bytes: Uint8Array;
}

export interface DontHaveMessage {
  readonly type: 'dont-have';
  readonly addresses: readonly Uint8Array[];
}

export interface CreditMessage {
  readonly type: 'credit';
  /** More bytes of `data` payload the receiver of this message may send. */
  readonly bytes: number;
}

export interface ByeMessage {
  readonly type: 'bye';
  readonly reason: string;
}

export type WireMessage =
  | HelloMessage
  | ProofMessage
  | HeadsMessage
  | WantMessage
  | DataMessage
  | DontHaveMessage
  | CreditMessage
  | ByeMessage;

export type WireMessageType = WireMessage['type'];

export const MESSAGE_TYPES: readonly WireMessageType[] = [
  'hello',
  'proof',
  'heads',
  'want',
  'data',
  'dont-have',
  'credit',
  'bye',
];
