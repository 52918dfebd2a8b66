/**
 * Signed heads (DESIGN.md section 3): one version of the share.
 *
 * Head bytes: canonical bencode of
 *   `{d: device id (16 lowercase hex characters), p: [parent head ids, 32 bytes each, sorted
 *   byte-wise, unique, at most 64], r: root address (32 bytes), s: seq, t: time (ms since the
 *   Unix epoch), v: 1}`
 * with `s = 1` when `p` is empty and `s >= 2` otherwise (a head's seq exceeds its parents',
 * which the head graph checks since only it knows them). Readers ignore unknown keys, which the
 * signature and id still cover; `v` other than 1 is `unsupported`.
 *
 * Signature: `Ed25519 over 0x10 "peerfold/v1/head" ‖ headBytes` with the share's signing key.
 * Wire form: canonical bencode `{h: headBytes, s: signature (64 bytes)}`, at most 4096 bytes,
 * no other key. Head id: `H("peerfold/v1/head-id", 32, headBytes)`.
 *
 * Decoding checks size, then structure, then the signature with the public key alone (a Store
 * peer verifies heads), then the head's fields, and throws only PeerfoldErrors.
 */
import { decode, encode } from './bencode';
import { compareBytes } from './bytes';
import type { WriteCapability } from './capability';
import { hash, sign, verify } from './crypto';
import { DEVICE_ID_PATTERN, type DeviceId } from './entry';
import { PeerfoldError } from './errors';
import { ADDRESS_BYTES, type Address } from './objects';
import { asDict } from './schema';

export type HeadId = Uint8Array;

export interface Head {
  readonly seq: number;
  /** Ids of the heads this one supersedes: sorted, unique. */
  readonly parents: readonly HeadId[];
  /** Address of the index tree's root node. */
  readonly root: Address;
  /** Milliseconds since the Unix epoch, as the writer's clock saw it. */
  readonly time: number;
  readonly device: DeviceId;
}

export interface SignedHead {
  readonly head: Head;
  /** The signed canonical bytes of `head`. */
  readonly bytes: Uint8Array;
  readonly signature: Uint8Array;
  readonly id: HeadId;
}

export const HEAD_VERSION = 1;
export const MAX_HEAD_BYTES = 4096;
export const MAX_HEAD_PARENTS = 64;
export const HEAD_ID_BYTES = 32;
const SIGNATURE_BYTES = 64;
const CONTEXT = { sign: 'peerfold/v1/head', id: 'peerfold/v1/head-id' } as const;

const malformed = (why: string): PeerfoldError => new PeerfoldError('malformed', `head: ${why}`);

export function headId(headBytes: Uint8Array): HeadId {
  return hash(CONTEXT.id, HEAD_ID_BYTES, [headBytes]);
}

/** Checks the rules every head obeys on its own; throws `malformed` or `too-large`. */
function checkHead(h: Head): void {
  if (!Number.isSafeInteger(h.seq) || h.seq < 1) throw malformed('seq must be a positive integer');
  if (!Number.isSafeInteger(h.time) || h.time < 0) throw malformed('time must be >= 0');
  if (!DEVICE_ID_PATTERN.test(h.device)) throw malformed('device is not a device id');
  if (h.root.length !== ADDRESS_BYTES) throw malformed(`root must be ${ADDRESS_BYTES} bytes`);
  if (h.parents.length > MAX_HEAD_PARENTS) {
    throw new PeerfoldError('too-large', `head: ${h.parents.length} parents, at most 64`);
  }
  h.parents.forEach((p, i) => {
    if (p.length !== HEAD_ID_BYTES) throw malformed(`parent ${i} must be ${HEAD_ID_BYTES} bytes`);
    if (i > 0 && compareBytes(h.parents[i - 1]!, p) >= 0) {
      throw malformed('parents must be sorted and unique');
    }
  });
  if (h.parents.length === 0 ? h.seq !== 1 : h.seq < 2) {
    throw malformed('seq is 1 exactly when a head has no parents');
  }
}

/** The canonical bytes of a head (checked first). */
export function encodeHead(head: Head): Uint8Array {
  checkHead(head);
  return encode({
    d: head.device,
    p: head.parents,
    r: head.root,
    s: head.seq,
    t: head.time,
    v: HEAD_VERSION,
  });
}

/** Signs a head with the Write capability; parents are sorted and deduplicated first. */
export function signHead(cap: WriteCapability, head: Head): SignedHead {
  const parents = [...head.parents].sort(compareBytes);
  const unique = parents.filter((p, i) => i === 0 || compareBytes(parents[i - 1]!, p) !== 0);
  const normal: Head = {
    seq: head.seq,
    parents: unique.map((p) => p.slice()),
    root: head.root.slice(),
    time: head.time,
    device: head.device,
  };
  const bytes = encodeHead(normal);
  const signature = sign(CONTEXT.sign, cap.signingKey, bytes);
  return { head: normal, bytes, signature, id: headId(bytes) };
}

export function encodeSignedHead(signed: SignedHead): Uint8Array {
  return encode({ h: signed.bytes, s: signed.signature });
}

function parseHead(bytes: Uint8Array): Head {
  const f = asDict(decode(bytes), 'head');
  const version = f.int('v', 0);
  if (version !== HEAD_VERSION) {
    throw new PeerfoldError('unsupported', `head version ${version} is not supported`);
  }
  const device = f.string('d', 16);
  const head: Head = {
    seq: f.int('s', 1),
    parents: f.byteList('p', MAX_HEAD_PARENTS, HEAD_ID_BYTES).map((p) => p.slice()),
    root: f.bytes('r', ADDRESS_BYTES).slice(),
    time: f.int('t', 0),
    device,
  };
  checkHead(head);
  return head;
}

/** Decodes and verifies a signed head from a peer, with the share's public key only. */
export function decodeSignedHead(publicKey: Uint8Array, bytes: Uint8Array): SignedHead {
  if (bytes.length > MAX_HEAD_BYTES) {
    throw new PeerfoldError('too-large', `signed head: ${bytes.length} bytes, at most 4096`);
  }
  const outer = asDict(decode(bytes), 'signed head');
  const extra = Object.keys(outer.dict).filter((k) => k !== 'h' && k !== 's');
  if (extra.length > 0) throw malformed(`unexpected field ${JSON.stringify(extra[0])}`);
  const headBytes = outer.bytes('h').slice();
  const signature = outer.bytes('s', SIGNATURE_BYTES).slice();
  if (!verify(CONTEXT.sign, publicKey, headBytes, signature)) {
    throw new PeerfoldError('bad-signature', 'head signature does not verify with this share');
  }
  return { head: parseHead(headBytes), bytes: headBytes, signature, id: headId(headBytes) };
}
