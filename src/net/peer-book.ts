/**
 * The addresses a swarm knows to dial, with exponential backoff per address: a dial that fails
 * (or a connection that ends before its session opened) doubles the wait before the next try,
 * up to MAX_RETRY_MS, and after MAX_FAILURES the address is forgotten until a discovery source
 * reports it again. A session that opened resets the count. Bounded, with an injectable clock.
 */
import type { PeerAddress } from './discovery';

export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 5 * 60_000;
/** Failures in a row after which an address is forgotten (~10 minutes of tries). */
export const MAX_FAILURES = 10;
const MAX_CANDIDATES = 1000;

export interface Candidate {
  readonly key: string;
  readonly address: PeerAddress;
  /** Who reported it first ('dht', 'pex', ...). */
  readonly source: string;
  failures: number;
  /** Not to be dialled before this time. */
  retryAt: number;
  /** Being dialled, or connected through a dial. */
  busy: boolean;
}

/** `host:port`, IPv6 in brackets: the one key of an address. */
export const addressKey = (a: PeerAddress): string =>
  a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;

export class PeerBook {
  private readonly byKey = new Map<string, Candidate>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): Candidate | undefined {
    return this.byKey.get(key);
  }

  /** Records a new address; undefined when the book is full (the address is dropped). */
  add(address: PeerAddress, source: string): Candidate | undefined {
    const key = addressKey(address);
    const known = this.byKey.get(key);
    if (known) return known;
    if (this.byKey.size >= MAX_CANDIDATES) return undefined;
    const candidate = { key, address, source, failures: 0, retryAt: 0, busy: false };
    this.byKey.set(key, candidate);
    return candidate;
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }

  /** A dial or an unproven connection failed: the wait before the next try, or undefined when forgotten. */
  failed(candidate: Candidate): number | undefined {
    candidate.busy = false;
    candidate.failures++;
    if (candidate.failures >= MAX_FAILURES) {
      this.byKey.delete(candidate.key);
      return undefined;
    }
    const wait = Math.min(FIRST_RETRY_MS * 2 ** (candidate.failures - 1), MAX_RETRY_MS);
    candidate.retryAt = this.now() + wait;
    return wait;
  }

  /** A connection ended for a reason that says nothing bad about the address: retry after `wait`. */
  release(candidate: Candidate, wait: number): void {
    candidate.busy = false;
    candidate.retryAt = this.now() + wait;
  }

  /** Its session opened: the address works, the next drop starts the backoff afresh. */
  succeeded(candidate: Candidate): void {
    candidate.failures = 0;
  }

  /** Idle candidates whose wait is over, oldest first. */
  *ready(): Generator<Candidate> {
    const now = this.now();
    for (const c of this.byKey.values()) if (!c.busy && c.retryAt <= now) yield c;
  }

  /** When the next idle candidate may be dialled, if any is waiting. */
  nextRetryAt(): number | undefined {
    let next: number | undefined;
    for (const c of this.byKey.values()) {
      if (!c.busy && (next === undefined || c.retryAt < next)) next = c.retryAt;
    }
    return next;
  }

  get size(): number {
    return this.byKey.size;
  }
}
