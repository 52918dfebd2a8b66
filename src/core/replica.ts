/**
 * One share's replication state, shared by all its peer sessions: which heads are known, which
 * objects are still needed to complete a received head, and who is fetching what.
 *
 * A received head is accepted only once every object reachable from its root is stored and
 * verified (walked through the clear links of each node, so a Store peer replicates without
 * the read key). Objects are fetched once, from one peer at a time; a peer that lacks one is
 * not asked for it again, and its in-flight requests return to the pool when it leaves (closed,
 * timed out or dropped), so another peer is asked.
 */
import { toHex } from './bytes';
import type { Capability } from './capability';
import { swarmAuthKey } from './capability';
import { PeerfoldError } from './errors';
import { decodeSignedHead, encodeSignedHead, type HeadId, type SignedHead } from './head';
import { HeadGraph } from './head-graph';
import type { Address } from './objects';
import type { ObjectStore } from './ports';
import { ProgressCounter, type SyncProgress } from './sync-progress';
import { nodeLinks } from './tree-node';
import { WantPool, type ObjectKind } from './want-pool';

export type { ObjectKind } from './want-pool';

/** Blocks a walk looks up in the store at once. */
const HAS_BATCH = 64;
export type { SyncProgress } from './sync-progress';

/** Where a replica's sessions are told what to do; implemented by Session. Neither throws. */
export interface ReplicaPeer {
  /** New objects may be wanted: the session should send wants if it has room. */
  wake(): void;
  /** The frontier changed: the session should announce these heads. */
  announce(heads: readonly Uint8Array[]): void;
}

/** The completion of one received head: a worklist of stored objects still to expand. */
interface Walk {
  readonly head: SignedHead;
  readonly seen: Set<string>;
  readonly visitedNodes: string[];
  readonly outstanding: Set<string>;
  /** The nodes among `outstanding`: none (with the queue empty) means the tree is stored. */
  readonly outstandingNodes: Set<string>;
  /** Whether the `tree` event was sent. */
  treeTold: boolean;
  /** `again`: a node that arrived after it was first seen missing, to expand now. */
  readonly queue: { address: Address; kind: ObjectKind; again?: boolean }[];
  running: boolean;
  failed: boolean;
}

export interface ReplicaEvents {
  /** A head whose whole tree is now stored was accepted (remote or local). */
  head?: (head: SignedHead) => void;
  /**
   * A received head's nodes are all stored while some of its blocks are still on their way
   * (sent once per head, before `head`): its files can be written as their blocks arrive.
   */
  tree?: (head: SignedHead) => void;
  /** Something worth reporting that ends nothing (e.g. a head whose tree cannot be walked). */
  warning?: (error: PeerfoldError) => void;
}

export class Replica {
  readonly authKey: Uint8Array;
  readonly graph = new HeadGraph();
  private readonly peers = new Set<ReplicaPeer>();
  private readonly pool = new WantPool<ReplicaPeer, Walk>();
  private readonly walks = new Map<string, Walk>();
  /** Nodes whose whole subtree is stored; walks do not descend into them again. */
  private readonly completeNodes = new Set<string>();
  private readonly counter = new ProgressCounter();
  /** Waiters for objects to be stored (`stored()`), by hex address. */
  private readonly arrivals = new Map<string, { done: Promise<void>; resolve: () => void }>();

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
    return this.pool.size;
  }

  /** Counts for a status line; cheap enough to call on every refresh. See SyncProgress. */
  progress(): SyncProgress {
    return this.counter.snapshot(this.walks.size, this.pool.size, this.pool.inFlight);
  }

  attach(peer: ReplicaPeer): void {
    this.peers.add(peer);
    peer.announce(this.frontier());
    peer.wake();
  }

  /** The peer is gone: what it was fetching is wanted from the others. */
  detach(peer: ReplicaPeer): void {
    if (!this.peers.delete(peer)) return;
    this.pool.release(peer);
    this.sweepArrivals();
    this.wakeAll();
  }

  /** A head this device signed, whose objects are already stored. */
  addLocalHead(head: SignedHead): void {
    if (this.graph.add(head)) this.accepted(head);
  }

  /** Heads a peer announced: verified here (a forged one throws, ending that peer), then completed. */
  receiveHeads(encoded: readonly Uint8Array[]): void {
    for (const bytes of encoded) {
      const head = decodeSignedHead(this.publicKey, bytes);
      const id = toHex(head.id);
      if (this.graph.has(head.id) || this.graph.isRefused(head.id) || this.walks.has(id)) continue;
      if (this.walks.size === 0) this.counter.restart();
      const walk: Walk = {
        head,
        seen: new Set(),
        visitedNodes: [],
        outstanding: new Set(),
        outstandingNodes: new Set(),
        treeTold: false,
        queue: [{ address: head.head.root, kind: 'node' }],
        running: false,
        failed: false,
      };
      this.walks.set(id, walk);
      this.run(walk);
    }
  }

  /**
   * A head whose tree cannot be read (e.g. its index names `../x`): dropped from the frontier,
   * never fetched or accepted again. Peers are told the new frontier.
   */
  refuse(id: HeadId): void {
    if (!this.graph.refuse(id)) return;
    const walk = this.walks.get(toHex(id));
    if (walk) this.abandon(walk);
    const frontier = this.frontier();
    for (const peer of this.peers) peer.announce(frontier);
  }

  /** Whether the head is being received (neither accepted nor refused yet). */
  isReceiving(id: HeadId): boolean {
    return this.walks.has(toHex(id));
  }

  /** Whether a head being received still needs the object (it is not stored yet). */
  isWanted(address: Address): boolean {
    return this.pool.get(toHex(address)) !== undefined;
  }

  /**
   * Resolves once the object is received and stored, or is no longer wanted (its heads were
   * refused); never if neither happens, so callers also look again from time to time.
   */
  stored(address: Address): Promise<void> {
    const hex = toHex(address);
    const known = this.arrivals.get(hex);
    if (known) return known.done;
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    this.arrivals.set(hex, { done, resolve });
    return done;
  }

  /** Up to `max` needed addresses for an attached `peer` to request; in flight from it. */
  takeWants(peer: ReplicaPeer, max: number): Address[] {
    if (!this.peers.has(peer)) return [];
    return this.pool.take(peer, max);
  }

  /** The peer said it does not have these: ask someone else. */
  lacks(peer: ReplicaPeer, addresses: readonly Address[]): void {
    this.pool.lacks(peer, addresses);
    this.sweepArrivals();
    this.wakeAll();
  }

  /**
   * An object arrived that the session checked against its address. Stored if still needed;
   * ignored if another peer delivered it first (it was re-wanted after its first fetcher left).
   */
  async receiveObject(address: Address, bytes: Uint8Array): Promise<void> {
    const hex = toHex(address);
    if (!this.pool.get(hex)) return;
    await this.store.put(address, bytes);
    const need = this.pool.settle(hex);
    this.arrived(hex);
    if (!need) return;
    this.counter.received(bytes.length);
    for (const walk of need.waiters) {
      walk.outstanding.delete(hex);
      walk.outstandingNodes.delete(hex);
      if (need.kind === 'node') walk.queue.push({ address, kind: 'node', again: true });
      this.run(walk);
    }
  }

  private arrived(hex: string): void {
    this.arrivals.get(hex)?.resolve();
    this.arrivals.delete(hex);
  }

  /** Ends the waits on objects no longer wanted (their heads were refused, their fetch ended). */
  private sweepArrivals(): void {
    for (const hex of this.arrivals.keys()) if (!this.pool.get(hex)) this.arrived(hex);
  }

  private need(walk: Walk, address: Address, kind: ObjectKind): void {
    walk.outstanding.add(toHex(address));
    if (kind === 'node') walk.outstandingNodes.add(toHex(address));
    this.pool.add(address, kind, walk);
  }

  private run(walk: Walk): void {
    if (walk.running || walk.failed) return;
    walk.running = true;
    this.expand(walk).then(
      () => {
        walk.running = false;
        if (walk.queue.length > 0) return this.run(walk);
        this.maybeTellTree(walk);
        this.maybeComplete(walk);
      },
      (e: unknown) => {
        walk.running = false;
        this.abandon(walk);
        this.warn(e);
      },
    );
  }

  /** A head whose tree cannot be walked: stop fetching what only it needed. */
  private abandon(walk: Walk): void {
    walk.failed = true;
    const id = toHex(walk.head.id);
    if (this.walks.get(id) === walk) this.walks.delete(id);
    this.pool.abandon(walk, walk.outstanding);
    this.sweepArrivals();
  }

  /**
   * Expands stored nodes breadth first; whatever is not stored becomes a need. Blocks are looked
   * up HAS_BATCH at a time, and peers are woken after each batch that found needs, so the first
   * wants go out before a large tree is walked to its end.
   */
  private async expand(walk: Walk): Promise<void> {
    while (walk.queue.length > 0) {
      if (walk.queue[0]!.kind === 'block') {
        if (await this.expandBlocks(walk)) this.wakeAll();
        continue;
      }
      const { address, kind, again } = walk.queue.shift()!;
      const hex = toHex(address);
      if (!again) {
        if (walk.seen.has(hex) || this.completeNodes.has(hex)) continue;
        walk.seen.add(hex);
      }
      const bytes = await this.store.get(address);
      if (!bytes) {
        this.need(walk, address, kind);
        this.wakeAll();
        continue;
      }
      walk.visitedNodes.push(hex);
      const links = nodeLinks(bytes);
      for (const child of links.children) walk.queue.push({ address: child, kind: 'node' });
      for (const block of links.blocks) walk.queue.push({ address: block, kind: 'block' });
    }
  }

  /** Looks up the blocks at the head of the walk's queue at once; true if some are needed. */
  private async expandBlocks(walk: Walk): Promise<boolean> {
    const batch: Address[] = [];
    while (batch.length < HAS_BATCH && walk.queue[0]?.kind === 'block') {
      const { address, again } = walk.queue.shift()!;
      const hex = toHex(address);
      if (!again) {
        if (walk.seen.has(hex)) continue;
        walk.seen.add(hex);
      }
      batch.push(address);
    }
    const held = await Promise.all(batch.map((address) => this.store.has(address)));
    const needed = batch.filter((_, i) => !held[i]);
    for (const address of needed) this.need(walk, address, 'block');
    return needed.length > 0;
  }

  private maybeTellTree(walk: Walk): void {
    if (walk.treeTold || walk.failed || walk.outstanding.size === 0) return;
    if (walk.outstandingNodes.size > 0) return;
    walk.treeTold = true;
    this.events.tree?.(walk.head);
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
