/**
 * One peer's sync session: a state machine that knows nothing of the transport. Bytes in
 * through `receive`, bytes out through `send`; two sessions piped together replicate a share.
 *
 * Order: both sides send `hello` (a fresh nonce), then `proof` (a MAC over both nonces with the
 * swarm auth key). Nothing else is accepted or sent before both proofs check. Then heads are
 * announced, the receiver wants objects (pipelined, up to MAX_IN_FLIGHT), and the sender sends
 * `data` only while it holds credit: byte-based flow control granted by the receiver as it
 * stores what arrived, so a slow receiver is never flooded. Each `data` is checked against its
 * want and its address in arrival order; the verified objects are then stored up to
 * STORES_IN_FLIGHT at a time, and credit is granted back for the bytes stored, in whatever order
 * the stores finish. Credit and queue limits are checked as each message arrives, before it
 * waits its turn, so a flooding peer costs bounded memory.
 *
 * Time comes in through `tick(now)`: core keeps no clock. A peer that does not finish the
 * handshake, or leaves our wants unanswered, is ended with `timeout`, and what it was fetching
 * goes back to the replica for other peers. Any broken rule ends the session with a typed
 * error (see `isMisbehaviour` for which ones blame the peer); nothing is thrown to the caller.
 */
import { toHex } from './bytes';
import type { Role } from './capability';
import { isMisbehaviour, isPeerfoldError, PeerfoldError } from './errors';
import { matchesAddress, type Address } from './objects';
import { checkProof, makeProof } from './proof';
import type { Replica, ReplicaPeer } from './replica';
import { SessionClock } from './session-clock';
import { Inbox } from './session-inbox';
import { CREDIT_WINDOW, MAX_IN_FLIGHT, STORES_IN_FLIGHT } from './session-limits';
import { ObjectServer } from './session-serve';
import { StoreSlots } from './session-stores';
import { decodeOwnedMessage, encodeMessage, MAX_HEADS, MAX_WANT, type WireMessage } from './wire';

export * from './session-limits';

export type SessionState = 'hello' | 'open' | 'closed';

/**
 * Where a session's encoded messages go. A sink with `headroom` gets each message as a view
 * with that many bytes free in front of it in its buffer, for its framing (no copy).
 */
export interface MessageSink {
  (message: Uint8Array): void;
  readonly headroom?: number;
  /**
   * Undefined while the transport takes more at once, else a promise that settles once it does
   * (or once it closed). Blocks are sent only then: they wait in the store, not in memory (a
   * sender queued up to the whole 8 MiB credit window per peer before).
   */
  readonly room?: () => Promise<void> | undefined;
}

export interface SessionOptions {
  replica: Replica;
  /** Writes one encoded message to the peer; a throw ends the session (`io`). */
  send: MessageSink;
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
  private started = false;
  private readonly inbox: Inbox;
  /** Addresses (hex) wanted from the peer and not yet answered. */
  private readonly wants = new Set<string>();
  // Receiving: credit granted minus data bytes that arrived, and bytes stored since last grant.
  private creditLeft = 0;
  private storedSinceGrant = 0;
  private readonly clock = new SessionClock();
  private readonly server: ObjectServer;
  private readonly stores = new StoreSlots(STORES_IN_FLIGHT);

  constructor(private readonly options: SessionOptions) {
    this.replica = options.replica;
    this.nonce = options.randomNonce();
    this.inbox = new Inbox(
      () => this.state === 'closed',
      (e) => this.fail(e),
    );
    this.server = new ObjectServer({
      store: this.replica.store,
      counts: this.stats,
      isOpen: () => this.state === 'open',
      write: (message) => this.write(message),
      room: () => options.send.room?.(),
      fail: (e) => this.fail(e),
    });
  }

  /** Objects wanted from this peer and not yet answered. */
  get wantsInFlight(): number {
    return this.wants.size;
  }

  /** Sends our hello; idempotent, and done first if the peer's hello comes before it. */
  start(): void {
    this.guard(() => this.sendHello());
  }

  /**
   * One message from the transport: decoded and checked against credit and queue limits at
   * once, then handled in order after the messages before it. Errors end the session. The
   * session takes `bytes` over (what it keeps are views into them): nothing may write to them.
   */
  receive(bytes: Uint8Array): void {
    if (this.state === 'closed') return;
    this.guard(() => {
      const message = this.decode(bytes);
      if (!message) return;
      this.admit(message, bytes.length);
      const data = message.type === 'data';
      this.inbox.push(() => this.handle(message), data ? { data } : { controlBytes: bytes.length });
    });
  }

  /**
   * Advances deadlines to `now` (milliseconds on any monotonic clock); call it every
   * TICK_INTERVAL_MS. Ends the session with `timeout` when the peer has not proved itself
   * HANDSHAKE_MS after the first tick, or when wants were in flight and the peer answered none
   * for STALL_MS while this side was not still storing what it sent. Never early: the quiet
   * span runs from a tick that already saw it. An idle peer (nothing wanted) never times out.
   */
  tick(now: number): void {
    if (this.state === 'closed') return;
    const storing = this.inbox.dataWaiting > 0 || this.stores.size > 0;
    const waiting = storing ? 0 : this.wants.size;
    const late = this.clock.check(now, this.state === 'open', waiting);
    if (late) this.fail(new PeerfoldError('timeout', late));
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

  /** Resolves once every message received so far has been handled (its object stored). */
  async idle(): Promise<void> {
    await this.inbox.idle();
    await this.stores.drained();
  }

  // ReplicaPeer
  wake(): void {
    this.guard(() => {
      while (this.state === 'open' && this.wants.size < MAX_IN_FLIGHT) {
        const room = Math.min(MAX_WANT, MAX_IN_FLIGHT - this.wants.size);
        const batch = this.replica.takeWants(this, room);
        if (batch.length === 0) return;
        if (this.wants.size === 0) this.clock.progress(); // the wait for answers starts now
        for (const address of batch) this.wants.add(toHex(address));
        this.write({ type: 'want', addresses: batch });
      }
    });
  }

  announce(heads: readonly Uint8Array[]): void {
    this.guard(() => {
      if (this.state !== 'open') return;
      for (let i = 0; i < heads.length; i += MAX_HEADS) {
        this.write({ type: 'heads', heads: heads.slice(i, i + MAX_HEADS) });
      }
    });
  }

  private sendHello(): void {
    if (this.started) return;
    this.started = true;
    this.write({
      type: 'hello',
      nonce: this.nonce,
      role: this.replica.capability.role,
      agent: this.options.agent,
    });
  }

  /** Decodes a message; undefined for a type from a newer peer, which is skipped once open. */
  private decode(bytes: Uint8Array): WireMessage | undefined {
    try {
      return decodeOwnedMessage(bytes);
    } catch (e) {
      if (!isPeerfoldError(e, 'unsupported')) throw e;
      if (this.state === 'hello') {
        // Fatal during the handshake, unless a proof queued ahead of it opens the session.
        this.inbox.admitControl(bytes.length);
        const step = () => {
          if (this.state !== 'open') throw e;
        };
        this.inbox.push(step, { controlBytes: bytes.length });
      }
      return undefined;
    }
  }

  /** Checks made as a message arrives: they bound what a peer can make this side hold. */
  private admit(message: WireMessage, size: number): void {
    if (message.type === 'data') {
      if (this.creditLeft <= 0) {
        throw new PeerfoldError('protocol', 'the peer sent data beyond the credit it was granted');
      }
      this.creditLeft -= message.bytes.length;
      if (this.wants.has(toHex(message.address))) this.clock.progress();
      return;
    }
    this.inbox.admitControl(size);
    if (message.type === 'dont-have' && message.addresses.some((a) => this.wants.has(toHex(a)))) {
      this.clock.progress();
    }
  }

  private async handle(message: WireMessage): Promise<void> {
    if (this.state === 'hello') return this.handshake(message);
    switch (message.type) {
      case 'heads':
        this.replica.receiveHeads(message.heads);
        return;
      case 'want':
        return this.server.want(message.addresses);
      case 'data':
        return this.receiveData(message.address, message.bytes);
      case 'dont-have': {
        // Addresses this side did not ask this peer for are ignored.
        const asked = message.addresses.filter((a) => this.wants.delete(toHex(a)));
        if (asked.length > 0) this.replica.lacks(this, asked);
        return;
      }
      case 'credit':
        return this.server.grant(message.bytes);
      case 'bye':
        this.end();
        return;
      default:
        throw new PeerfoldError('protocol', `unexpected ${message.type} after the handshake`);
    }
  }

  private handshake(message: WireMessage): void {
    if (message.type === 'hello' && !this.peerNonce) {
      this.sendHello();
      this.peerNonce = message.nonce;
      this.peerRole = message.role;
      this.peerAgent = message.agent;
      this.write({
        type: 'proof',
        mac: makeProof(this.replica.authKey, this.nonce, message.nonce),
      });
      return;
    }
    if (message.type === 'proof' && this.peerNonce) {
      if (!checkProof(this.replica.authKey, this.peerNonce, this.nonce, message.mac)) {
        throw new PeerfoldError('unauthorized', 'the peer did not prove it holds this share');
      }
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
    if (!this.wants.delete(toHex(address))) {
      throw new PeerfoldError('protocol', `unrequested object ${toHex(address).slice(0, 16)}`);
    }
    if (!matchesAddress(address, bytes)) {
      throw new PeerfoldError(
        'bad-address',
        'the peer sent an object that does not match its address',
      );
    }
    this.stats.objectsReceived++;
    this.stats.bytesReceived += bytes.length;
    // Verified: stored beside the others in flight, while the next messages are checked. Stored
    // even if the session ends while it waits for a slot: fetching it again would waste the wire.
    await this.stores.room();
    this.stores.start(
      async () => {
        await this.replica.receiveObject(address, bytes);
        this.stored(bytes.length);
      },
      (e) => this.fail(e),
    );
  }

  /** An object's bytes are stored: credit them back once a quarter of the window is. */
  private stored(size: number): void {
    if (this.state !== 'open') return;
    this.storedSinceGrant += size;
    if (this.storedSinceGrant >= CREDIT_WINDOW / 4) this.grant(this.storedSinceGrant);
    this.wake();
  }

  private grant(bytes: number): void {
    this.creditLeft += bytes;
    this.storedSinceGrant = 0;
    this.write({ type: 'credit', bytes });
  }

  private write(message: WireMessage): void {
    const { send } = this.options;
    send(encodeMessage(message, send.headroom));
  }

  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * Ends the session over `e`. Anything but a PeerfoldError failed on this side (the store, the
   * transport): it becomes `io` so the peer is not blamed, and the peer learns only the code.
   */
  private fail(e: unknown): void {
    const error =
      e instanceof PeerfoldError
        ? e
        : new PeerfoldError(
            'io',
            `session failed on this side: ${e instanceof Error ? e.message : String(e)}`,
          );
    this.close(isMisbehaviour(error) ? error.message : error.code, error);
  }

  private end(error?: PeerfoldError): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.server.clear();
    this.wants.clear();
    this.replica.detach(this);
    this.options.onClose?.(error);
  }
}
