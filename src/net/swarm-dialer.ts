/**
 * The swarm's outgoing side: the address book of candidates reported by discovery, dialled while
 * the swarm has free slots, and a timer that wakes when the next backoff ends. An address
 * reported while no slot is free waits in the book. A stream it opens goes to the swarm
 * (`adopt`); the swarm tells it how each dialled connection went (`opened`, `ended`) so the
 * book can back off from the address or forget it.
 *
 * Dialling tries TCP first and falls back to uTP (the order of `transports`): a refused TCP
 * connect fails at once, while an unanswered uTP connect only times out, and racing both would
 * open two connections to most peers only to drop one.
 */
import type { AvoidList } from './avoid-list';
import { isDialable, type PeerAddress } from './discovery';
import type { EndKind } from './extension';
import { addressKey, FIRST_RETRY_MS, PeerBook, type Candidate } from './peer-book';
import type { ByteStream } from './stream-peer';
import type { AddResult } from './swarm-options';
import type { PeerEvent } from './swarm-peers';
import { normaliseHost, type TransportName } from './transport';

/** A connection refused as a duplicate is not redialled before this. */
const DUPLICATE_RETRY_MS = 60_000;

export type Dial = (
  address: PeerAddress,
) => Promise<{ stream: ByteStream; transport: TransportName }>;

/** What the dialer needs of its swarm. */
export interface DialerHost {
  readonly now: () => number;
  readonly avoid: AvoidList;
  /** Opens a stream to an address; undefined when the swarm dials nothing (no transports). */
  readonly dial: Dial | undefined;
  /** Whether the swarm is closing: nothing more is dialled. */
  isClosing(): boolean;
  /** Whether a new connection would be taken now (the dials pending here count). */
  hasRoom(): boolean;
  /** Keys of the listen addresses the swarm is connected to. */
  connectedKeys(): Set<string>;
  /** Takes a dialled stream as a peer. */
  adopt(stream: ByteStream, transport: TransportName, candidate: Candidate): void;
  report(event: PeerEvent): void;
}

export class Dialer {
  private readonly book: PeerBook;
  private readonly pending = new Set<Promise<void>>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: DialerHost) {
    this.book = new PeerBook(host.now);
  }

  /** Dials now being attempted. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** The swarm's `addPeer`: validates, then dials, queues or refuses; never throws. */
  add(address: PeerAddress, source: string): AddResult {
    const { host } = this;
    if (host.isClosing()) return 'closed';
    if (!isDialable(address)) return 'invalid';
    if (!host.dial) return 'no-transport';
    const clean = { host: normaliseHost(address.host), port: address.port };
    const key = addressKey(clean);
    if (host.avoid.has(key)) return 'avoided';
    if (host.connectedKeys().has(key)) return 'already';
    const candidate = this.book.add(clean, String(source).slice(0, 32));
    if (!candidate) return 'dropped';
    if (candidate.busy) return 'already';
    if (candidate.retryAt > host.now() || !host.hasRoom()) {
      this.schedule();
      return 'queued';
    }
    this.dial(candidate);
    return 'dialing';
  }

  /** A dialled connection proved the share. */
  opened(candidate: Candidate): void {
    this.book.succeeded(candidate);
  }

  /**
   * A dialled connection ended: forget its address if the peer is unfit, else let it be dialled
   * again later. Returns when, if that connection never opened and is retried.
   */
  ended(candidate: Candidate, kind: EndKind, wasOpen: boolean): number | undefined {
    if (kind === 'misbehaved' || kind === 'self' || kind === 'unfit')
      this.book.delete(candidate.key);
    else if (kind === 'refused') this.book.release(candidate, DUPLICATE_RETRY_MS);
    else if (wasOpen) this.book.release(candidate, FIRST_RETRY_MS);
    else return this.book.failed(candidate);
    return undefined;
  }

  /** Dials waiting addresses while slots are free, then sleeps until the next backoff ends. */
  fill(): void {
    if (this.host.isClosing()) return;
    const connected = this.host.connectedKeys();
    for (const c of this.book.ready()) {
      if (!this.host.hasRoom()) break;
      if (this.host.avoid.has(c.key)) this.book.delete(c.key);
      else if (connected.has(c.key)) this.book.release(c, DUPLICATE_RETRY_MS);
      else this.dial(c);
    }
    this.schedule();
  }

  /** Stops the timer; resolves once every pending dial has settled. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.pending]);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.host.isClosing() || !this.host.hasRoom()) return;
    const next = this.book.nextRetryAt();
    if (next === undefined) return;
    this.timer = setTimeout(() => this.fill(), Math.max(0, next - this.host.now()));
  }

  private dial(candidate: Candidate): void {
    const { host } = this;
    if (!host.dial) return;
    candidate.busy = true;
    const attempt = host.dial(candidate.address).then(
      ({ stream, transport }) => {
        this.pending.delete(attempt);
        if (host.isClosing()) stream.destroy();
        else host.adopt(stream, transport, candidate);
      },
      (e: unknown) => {
        this.pending.delete(attempt);
        if (host.isClosing()) return;
        const retryMs = this.book.failed(candidate);
        const reason = e instanceof Error ? e.message : String(e);
        host.report({
          type: 'dial-failed',
          ...candidate.address,
          source: candidate.source,
          reason,
          retryMs,
        });
        this.fill();
      },
    );
    this.pending.add(attempt);
  }
}
