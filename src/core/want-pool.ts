/**
 * The objects a replica still needs, who waits for each, and which peer is fetching it. An object
 * is fetched from one peer at a time; a need no peer fetches waits in `unassigned`, oldest first
 * (the walks find them breadth first). A peer that lacks an object is not asked for it again, and
 * a need nobody waits for any more is dropped as soon as no peer is fetching it.
 */
import { toHex } from './bytes';
import type { Address } from './objects';

export type ObjectKind = 'node' | 'block';

export interface Need<P, W> {
  readonly address: Address;
  readonly kind: ObjectKind;
  readonly lackedBy: Set<P>;
  /** The walks (or anything) that wait for this object. */
  readonly waiters: W[];
  fetcher?: P;
}

export class WantPool<P, W> {
  private readonly needs = new Map<string, Need<P, W>>();
  private readonly unassigned = new Map<string, Need<P, W>>();

  /** Objects needed now. */
  get size(): number {
    return this.needs.size;
  }

  /** Objects requested from some peer and not yet delivered. */
  get inFlight(): number {
    return this.needs.size - this.unassigned.size;
  }

  get(hex: string): Need<P, W> | undefined {
    return this.needs.get(hex);
  }

  /** Registers `waiter` for the object, making it a need if it was not one. */
  add(address: Address, kind: ObjectKind, waiter: W): void {
    const hex = toHex(address);
    const need = this.needs.get(hex);
    if (need) {
      need.waiters.push(waiter);
      return;
    }
    const fresh: Need<P, W> = { address, kind, lackedBy: new Set(), waiters: [waiter] };
    this.needs.set(hex, fresh);
    this.unassigned.set(hex, fresh);
  }

  /** Up to `max` needs `peer` has not said it lacks; they become in flight from it. */
  take(peer: P, max: number): Address[] {
    const out: Address[] = [];
    for (const [hex, need] of this.unassigned) {
      if (out.length >= max) break;
      if (need.lackedBy.has(peer)) continue;
      need.fetcher = peer;
      this.unassigned.delete(hex);
      out.push(need.address);
    }
    return out;
  }

  /** `peer` does not hold these: never ask it again, and free what it was fetching. */
  lacks(peer: P, addresses: readonly Address[]): void {
    for (const address of addresses) {
      const hex = toHex(address);
      const need = this.needs.get(hex);
      if (!need) continue;
      need.lackedBy.add(peer);
      if (need.fetcher === peer) this.unassign(hex, need);
    }
  }

  /** `peer` is gone: whatever it was fetching goes back to the pool for another peer. */
  release(peer: P): void {
    for (const [hex, need] of this.needs) {
      need.lackedBy.delete(peer);
      if (need.fetcher === peer) this.unassign(hex, need);
    }
  }

  /** The object arrived: no longer needed. Returns who waited for it. */
  settle(hex: string): Need<P, W> | undefined {
    const need = this.needs.get(hex);
    this.needs.delete(hex);
    this.unassigned.delete(hex);
    return need;
  }

  /** `waiter` gave up on these objects; a need left with no waiter and no fetcher is dropped. */
  abandon(waiter: W, hexes: Iterable<string>): void {
    for (const hex of hexes) {
      const need = this.needs.get(hex);
      if (!need) continue;
      const i = need.waiters.indexOf(waiter);
      if (i >= 0) need.waiters.splice(i, 1);
      if (need.waiters.length === 0 && !need.fetcher) this.settle(hex);
    }
  }

  private unassign(hex: string, need: Need<P, W>): void {
    need.fetcher = undefined;
    if (need.waiters.length === 0) this.settle(hex);
    else this.unassigned.set(hex, need);
  }
}
