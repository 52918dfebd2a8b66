/**
 * One peer's sync session: a state machine that knows nothing of the transport. Bytes in
 * through `receive`, bytes out through `send`; two sessions piped together replicate a share.
 *
 * Order: both sides send `hello` (a fresh nonce), then `proof` (a MAC over both nonces with the
 * swarm auth key). Nothing else is accepted or sent before both proofs check. Then heads are
 * announced, the receiver wants objects (pipelined, up to MAX_IN_FLIGHT), and the sender sends
 * `data` only while it holds credit: byte-based flow control granted by the receiver as it
 * stores what arrived, so a slow receiver is never flooded. Any broken rule ends the session
 * with a typed error; it never throws into the transport.
 */
import { toHex } from './bytes';
import type { Role } from './capability';
import { isPeerfoldError, PeerfoldError } from './errors';
import { matchesAddress, type Address } from './objects';
import { checkProof, makeProof } from './proof';
import type { Replica, ReplicaPeer } from './replica';
import { decodeMessage, encodeMessage, MAX_HEADS, MAX_WANT, type WireMessage } from './wire';

/** Bytes of object data a receiver lets a sender have in flight. */
export const CREDIT_WINDOW = 8 * 1024 * 1024;
/** Objects a receiver asks one peer for before hearing back. */
export const MAX_IN_FLIGHT = 512;
/** Wanted objects a sender queues for a peer; more is abuse. */
export const MAX_SERVE_QUEUE = 8192;

export type SessionState = 'hello' | 'open' | 'closed';

export interface SessionOptions {
  replica: Replica;
  /** Writes one encoded message to the peer. */
  send: (message: Uint8Array) => void;
  /** Called once when the session ends; `error` is set unless it ended cleanly. */
  onClose?: (error?: PeerfoldError) => void;
  /** Called when the peer proved it holds the share. */
  onOpen?: () => void;
  randomNonce: () => Uint8Array;
  agent?: string;
}

export interface SessionStats {
  objectsReceived: number;
  bytesReceived: number;
  objectsSent: number;
  bytesSent: number;
}

export class Session implements ReplicaPeer {
  state: SessionState = 'hello';
  peerRole: Role | undefined;
  peerAgent: string | undefined;
  readonly stats: SessionStats = {
    objectsReceived: 0,
    bytesReceived: 0,
    objectsSent: 0,
    bytesSent: 0,
  };
  private readonly replica: Replica;
  private readonly nonce: Uint8Array;
  private peerNonce: Uint8Array | undefined;
  private proven = false;
  private started = false;
  private inbox: Promise<void> = Promise.resolve();
  private inFlight = 0;
  // Receiving: credit granted to the peer and not yet used, and bytes stored since last grant.
  private grantedLeft = 0;
  private consumedSinceGrant = 0;
  // Sending: credit the peer granted us, and what it asked for.
  private credit = 0;
  private readonly serveQueue: Address[] = [];
  private serving = false;

  constructor(private readonly options: SessionOptions) {
    this.replica = options.replica;
    this.nonce = options.randomNonce();
  }

  /** Sends our hello; idempotent, and done first if the peer's hello comes before it. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.write({
      type: 'hello',
      nonce: this.nonce,
      role: this.replica.capability.role,
      agent: this.options.agent,
    });
  }

  /** One message from the transport. Processing is serialised; errors end the session. */
  receive(bytes: Uint8Array): void {
    if (this.state === 'closed') return;
    this.inbox = this.inbox.then(() => this.handle(bytes)).catch((e: unknown) => this.fail(e));
  }

  /** Ends the session, telling the peer why. */
  close(reason = 'closing', error?: PeerfoldError): void {
    if (this.state === 'closed') return;
    try {
      this.write({ type: 'bye', reason });
    } catch {
      // the transport is already gone; nothing more to tell the peer
    }
    this.end(error);
  }

  /** Resolves once every message received so far has been handled. */
  idle(): Promise<void> {
    return this.inbox;
  }

  // ReplicaPeer
  wake(): void {
    if (this.state !== 'open') return;
    while (this.inFlight < MAX_IN_FLIGHT) {
      const wants = this.replica.takeWants(this, Math.min(MAX_WANT, MAX_IN_FLIGHT - this.inFlight));
      if (wants.length === 0) break;
      this.inFlight += wants.length;
      this.write({ type: 'want', addresses: wants });
    }
  }

  announce(heads: readonly Uint8Array[]): void {
    if (this.state !== 'open') return;
    for (let i = 0; i < heads.length; i += MAX_HEADS) {
      this.write({ type: 'heads', heads: heads.slice(i, i + MAX_HEADS) });
    }
  }

  private async handle(bytes: Uint8Array): Promise<void> {
    if (this.state === 'closed') return;
    let message: WireMessage;
    try {
      message = decodeMessage(bytes);
    } catch (e) {
      // A message type from a newer peer is skipped once the session is open.
      if (this.state === 'open' && isPeerfoldError(e, 'unsupported')) return;
      throw e;
    }
    if (this.state === 'hello') return this.handshake(message);
    switch (message.type) {
      case 'heads':
        this.replica.receiveHeads(message.heads);
        return;
      case 'want':
        return this.queueServe(message.addresses);
      case 'data':
        return this.receiveData(message.address, message.bytes);
      case 'dont-have':
        this.settle(message.addresses);
        this.replica.lacks(this, message.addresses);
        return;
      case 'credit':
        this.credit += message.bytes;
        this.pumpServe();
        return;
      case 'bye':
        this.end();
        return;
      default:
        throw new PeerfoldError('protocol', `unexpected ${message.type} after the handshake`);
    }
  }

  private handshake(message: WireMessage): void {
    if (message.type === 'hello' && !this.peerNonce) {
      this.start();
      this.peerNonce = message.nonce;
      this.peerRole = message.role;
      this.peerAgent = message.agent;
      this.write({
        type: 'proof',
        mac: makeProof(this.replica.authKey, this.nonce, message.nonce),
      });
      return;
    }
    if (message.type === 'proof' && this.peerNonce && !this.proven) {
      if (!checkProof(this.replica.authKey, this.peerNonce, this.nonce, message.mac)) {
        throw new PeerfoldError('unauthorized', 'the peer did not prove it holds this share');
      }
      this.proven = true;
      this.state = 'open';
      this.grant(CREDIT_WINDOW);
      this.options.onOpen?.();
      this.replica.attach(this);
      return;
    }
    if (message.type === 'bye') return this.end();
    throw new PeerfoldError('protocol', `${message.type} before the capability proof`);
  }

  private async receiveData(address: Address, bytes: Uint8Array): Promise<void> {
    if (this.grantedLeft <= 0) {
      throw new PeerfoldError('protocol', 'the peer sent data beyond the credit it was granted');
    }
    if (!this.replica.isFetching(this, address)) {
      throw new PeerfoldError('protocol', `unrequested object ${toHex(address).slice(0, 16)}`);
    }
    if (!matchesAddress(address, bytes)) {
      throw new PeerfoldError(
        'bad-address',
        'the peer sent an object that does not match its address',
      );
    }
    this.grantedLeft -= bytes.length;
    this.settle([address]);
    this.stats.objectsReceived++;
    this.stats.bytesReceived += bytes.length;
    await this.replica.receiveObject(address, bytes);
    this.consumedSinceGrant += bytes.length;
    if (this.consumedSinceGrant >= CREDIT_WINDOW / 4) this.grant(this.consumedSinceGrant);
    this.wake();
  }

  private settle(addresses: readonly Address[]): void {
    this.inFlight = Math.max(0, this.inFlight - addresses.length);
  }

  private grant(bytes: number): void {
    this.grantedLeft += bytes;
    this.consumedSinceGrant = 0;
    this.write({ type: 'credit', bytes });
  }

  private queueServe(addresses: readonly Address[]): void {
    if (this.serveQueue.length + addresses.length > MAX_SERVE_QUEUE) {
      throw new PeerfoldError('too-large', 'the peer wants more objects than it may queue');
    }
    this.serveQueue.push(...addresses);
    this.pumpServe();
  }

  /** Sends wanted objects while credit lasts; runs as one loop at a time. */
  private pumpServe(): void {
    if (this.serving || this.state !== 'open') return;
    this.serving = true;
    this.serve().then(
      () => {
        this.serving = false;
      },
      (e: unknown) => {
        this.serving = false;
        this.fail(e);
      },
    );
  }

  private async serve(): Promise<void> {
    const missing: Address[] = [];
    while (this.credit > 0 && this.serveQueue.length > 0 && this.state === 'open') {
      const address = this.serveQueue.shift()!;
      const bytes = await this.replica.store.get(address);
      if (this.state !== 'open') return;
      if (!bytes) {
        missing.push(address);
        if (missing.length >= MAX_WANT)
          this.write({ type: 'dont-have', addresses: missing.splice(0) });
        continue;
      }
      this.credit -= bytes.length;
      this.stats.objectsSent++;
      this.stats.bytesSent += bytes.length;
      this.write({ type: 'data', address, bytes });
    }
    if (missing.length > 0 && this.state === 'open') {
      this.write({ type: 'dont-have', addresses: missing });
    }
  }

  private write(message: WireMessage): void {
    this.options.send(encodeMessage(message));
  }

  private fail(e: unknown): void {
    const error =
      e instanceof PeerfoldError
        ? e
        : new PeerfoldError(
            'protocol',
            `session failed: ${e instanceof Error ? e.message : String(e)}`,
          );
    this.close(error.message, error);
  }

  private end(error?: PeerfoldError): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.serveQueue.length = 0;
    this.replica.detach(this);
    this.options.onClose?.(error);
  }
}
