/**
 * Addresses not to dial for a while: peers that broke the protocol, our own address, peers of
 * another swarm. Bounded (a flood of bad addresses evicts the oldest entries, never grows
 * memory without limit) and driven by an injectable clock.
 */

/** How long a misbehaving peer's address stays avoided, by default. */
export const AVOID_MS = 10 * 60_000;
const MAX_ENTRIES = 4096;

export class AvoidList {
  private readonly until = new Map<string, { at: number; reason: string }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ms = AVOID_MS,
  ) {}

  /** Avoids `key` (host:port) from now for `ms` (the list's default if not given). */
  add(key: string, reason: string, ms = this.ms): void {
    this.until.delete(key); // re-insert at the end: the map's order is the eviction order
    this.until.set(key, { at: this.now() + ms, reason });
    while (this.until.size > MAX_ENTRIES) {
      const oldest = this.until.keys().next().value;
      if (oldest === undefined) break;
      this.until.delete(oldest);
    }
  }

  /** Why `key` is avoided, or undefined once its time is up. */
  reason(key: string): string | undefined {
    const entry = this.until.get(key);
    if (!entry) return undefined;
    if (entry.at > this.now()) return entry.reason;
    this.until.delete(key);
    return undefined;
  }

  has(key: string): boolean {
    return this.reason(key) !== undefined;
  }

  get size(): number {
    return this.until.size;
  }
}
