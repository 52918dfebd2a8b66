/**
 * One share's replication state, shared by all its peer sessions: which heads are known, which
 * objects are still needed to complete a received head, and who is fetching what.
 *
 * A received head is accepted only once every object reachable from its root is stored and
 * verified (walked through the clear links of each node, so a Store peer replicates without
 * the read key). Objects are fetched once, from one peer at a time; a peer that lacks one is
 * not asked for it again, and its in-flight requests return to the pool when it leaves.
 */
import { toHex } from './bytes';
import type { Capability } from './capability';
import { swarmAuthKey } from './capability';
import { PeerfoldError } from './errors';
import { decodeSignedHead, encodeSignedHead, type SignedHead } from './head';
import { HeadGraph } from './head-graph';
import type { Address } from './objects';
import type { ObjectStore } from './ports';
import { nodeLinks } from './tree-node';

export type ObjectKind = 'node' | 'block';

/** Where a replica's sessions are told what to do; implemented by Session. */
export interface ReplicaPeer {
  /** New objects may be wanted: the session should send wants if it has room. */
  wake(): void;
  /** The frontier changed: the session should announce these heads. */
  announce(heads: readonly Uint8Array[]): void;
}

interface Need {
  readonly address: Address;
  readonly kind: ObjectKind;
  readonly lackedBy: Set<ReplicaPeer>;
  fetcher?: ReplicaPeer;
}

/** The completion of one received head: a worklist of stored objects still to expand. */
interface Walk {
  readonly head: SignedHead;
  readonly seen: Set<string>;
  readonly visitedNodes: string[];
  readonly outstanding: Set<string>;
  /** `again`: a node that arrived after it was first seen missing, to expand now. */
  readonly queue: { address: Address; kind: ObjectKind; again?: boolean }[];
  running: boolean;
  failed: boolean;
}

export interface ReplicaEvents {
  /** A head whose whole tree is now stored was accepted (remote or local). */
  head?: (head: SignedHead) => void;
  /** Something worth reporting that ends nothing (e.g. a head whose tree cannot be walked). */
  warning?: (error: PeerfoldError) => void;
}

export class Replica {
  readonly authKey: Uint8Array;
  readonly graph = new HeadGraph();
  private readonly peers = new Set<ReplicaPeer>();
  private readonly needs = new Map<string, Need>();
  /** Needs no peer is fetching, in the order they were found (breadth first, FIFO). */
  private readonly unassigned = new Map<string, Need>();
  private readonly waiting = new Map<string, Walk[]>();
  private readonly walks = new Map<string, Walk>();
  /** Nodes whose whole subtree is stored; walks do not descend into them again. */
  private readonly completeNodes = new Set<string>();

  constructor(
    readonly capability: Capability,
    readonly store: ObjectStore,
    private readonly events: ReplicaEvents = {},
  ) {
    this.authKey = swarmAuthKey(capability);
  }

  get publicKey(): Uint8Array {
    return this.capability.publicKey;
  }

  frontier(): Uint8Array[] {
    return this.graph.frontier().map(encodeSignedHead);
  }

  /** Number of objects still needed by heads being received. */
  get pending(): number {
    return this.needs.size;
  }

  attach(peer: ReplicaPeer): void {
    this.peers.add(peer);
    peer.announce(this.frontier());
    peer.wake();
  }

  detach(peer: ReplicaPeer): void {
    if (!this.peers.delete(peer)) return;
    for (const [hex, need] of this.needs) {
      need.lackedBy.delete(peer);
      if (need.fetcher === peer) {
        need.fetcher = undefined;
        this.unassigned.set(hex, need);
      }
    }
    this.wakeAll();
  }

  /** A head this device signed, whose objects are already stored. */
  addLocalHead(head: SignedHead): void {
    if (this.graph.add(head)) this.accepted(head);
  }

  /** Heads a peer announced: verified here (a forged one ends that peer), then completed. */
  receiveHeads(encoded: readonly Uint8Array[]): void {
    for (const bytes of encoded) {
      const head = decodeSignedHead(this.publicKey, bytes);
      const id = toHex(head.id);
      if (this.graph.has(head.id) || this.walks.has(id)) continue;
      const walk: Walk = {
        head,
        seen: new Set(),
        visitedNodes: [],
        outstanding: new Set(),
        queue: [{ address: head.head.root, kind: 'node' }],
        running: false,
        failed: false,
      };
      this.walks.set(id, walk);
      this.run(walk);
    }
  }

  /** Up to `max` needed addresses for `peer` to request; they count as in flight from it. */
  takeWants(peer: ReplicaPeer, max: number): Address[] {
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

  /** The peer said it does not have these: ask someone else. */
  lacks(peer: ReplicaPeer, addresses: readonly Address[]): void {
    for (const address of addresses) {
      const hex = toHex(address);
      const need = this.needs.get(hex);
      if (!need) continue;
      need.lackedBy.add(peer);
      if (need.fetcher === peer) {
        need.fetcher = undefined;
        this.unassigned.set(hex, need);
      }
    }
    this.wakeAll();
  }

  /** True when `address` was requested from `peer` and not yet delivered. */
  isFetching(peer: ReplicaPeer, address: Address): boolean {
    return this.needs.get(toHex(address))?.fetcher === peer;
  }

  /** A verified object arrived (the session checked it against its address). */
  async receiveObject(address: Address, bytes: Uint8Array): Promise<void> {
    const hex = toHex(address);
    const need = this.needs.get(hex);
    if (!need) return;
    await this.store.put(address, bytes);
    this.needs.delete(hex);
    this.unassigned.delete(hex);
    const walks = this.waiting.get(hex) ?? [];
    this.waiting.delete(hex);
    for (const walk of walks) {
      walk.outstanding.delete(hex);
      if (need.kind === 'node') walk.queue.push({ address, kind: 'node', again: true });
      this.run(walk);
    }
  }

  private need(walk: Walk, address: Address, kind: ObjectKind): void {
    const hex = toHex(address);
    walk.outstanding.add(hex);
    const waiters = this.waiting.get(hex);
    if (waiters) waiters.push(walk);
    else this.waiting.set(hex, [walk]);
    if (!this.needs.has(hex)) {
      const need: Need = { address, kind, lackedBy: new Set() };
      this.needs.set(hex, need);
      this.unassigned.set(hex, need);
    }
  }

  private run(walk: Walk): void {
    if (walk.running || walk.failed) return;
    walk.running = true;
    this.expand(walk).then(
      () => {
        walk.running = false;
        if (walk.queue.length > 0) this.run(walk);
        else this.maybeComplete(walk);
      },
      (e: unknown) => {
        walk.running = false;
        walk.failed = true;
        this.walks.delete(toHex(walk.head.id));
        this.warn(e);
      },
    );
  }

  /** Expands stored nodes breadth first; whatever is not stored becomes a need. */
  private async expand(walk: Walk): Promise<void> {
    let found = false;
    while (walk.queue.length > 0) {
      const { address, kind, again } = walk.queue.shift()!;
      const hex = toHex(address);
      if (!again) {
        if (walk.seen.has(hex) || this.completeNodes.has(hex)) continue;
        walk.seen.add(hex);
      }
      if (kind === 'block') {
        if (!(await this.store.has(address))) {
          this.need(walk, address, kind);
          found = true;
        }
        continue;
      }
      const bytes = await this.store.get(address);
      if (!bytes) {
        this.need(walk, address, kind);
        found = true;
        continue;
      }
      walk.visitedNodes.push(hex);
      const links = nodeLinks(bytes);
      for (const child of links.children) walk.queue.push({ address: child, kind: 'node' });
      for (const block of links.blocks) walk.queue.push({ address: block, kind: 'block' });
    }
    if (found) this.wakeAll();
  }

  private maybeComplete(walk: Walk): void {
    if (walk.outstanding.size > 0 || walk.queue.length > 0 || walk.failed) return;
    const id = toHex(walk.head.id);
    if (this.walks.get(id) !== walk) return;
    this.walks.delete(id);
    for (const hex of walk.visitedNodes) this.completeNodes.add(hex);
    let added: boolean;
    try {
      added = this.graph.add(walk.head);
    } catch (e) {
      // e.g. a seq not above a known parent's: the head is refused, the peer was honest
      // about the objects it served, so only a warning.
      this.warn(e);
      return;
    }
    if (added) this.accepted(walk.head);
  }

  private warn(e: unknown): void {
    this.events.warning?.(
      e instanceof PeerfoldError
        ? new PeerfoldError(e.code, e.message, false)
        : new PeerfoldError('malformed', `cannot accept a received head: ${String(e)}`, false),
    );
  }

  private accepted(head: SignedHead): void {
    this.events.head?.(head);
    const frontier = this.frontier();
    for (const peer of this.peers) peer.announce(frontier);
  }

  private wakeAll(): void {
    for (const peer of this.peers) peer.wake();
  }
}
