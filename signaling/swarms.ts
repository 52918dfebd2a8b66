// Swarms and their peers. A peer is a (swarm, peer id) pair bound to the socket that first
// announced it (its owner); the tracker lets only that socket change or remove it.

/** A peer; `O` is whatever stands for the socket that owns it. */
export interface Peer<O> {
  readonly swarm: Swarm<O>;
  readonly peerId: string;
  readonly owner: O;
  complete: boolean;
  /** Position in `swarm.list`, for O(1) removal and random sampling. */
  index: number;
}

export class Swarm<O> {
  readonly byId = new Map<string, Peer<O>>();
  readonly list: Peer<O>[] = [];
  complete = 0;

  constructor(readonly infoHash: string) {}

  get incomplete(): number {
    return this.list.length - this.complete;
  }

  /** Up to `count` distinct random peers other than `self`. */
  sample(count: number, self: Peer<O>, random: () => number): Peer<O>[] {
    const others = this.list.length - 1;
    const want = Math.min(count, others);
    if (want <= 0) return [];
    if (want * 2 >= others) {
      // Dense: shuffle the first `want` of the others (partial Fisher-Yates).
      const pool = this.list.filter((p) => p !== self);
      for (let i = 0; i < want; i++) {
        const j = i + Math.floor(random() * (pool.length - i));
        [pool[i], pool[j]] = [pool[j] as Peer<O>, pool[i] as Peer<O>];
      }
      return pool.slice(0, want);
    }
    // Sparse: draw random positions and reject repeats, O(want) instead of O(swarm size).
    const chosen = new Set<Peer<O>>();
    while (chosen.size < want) {
      const peer = this.list[Math.floor(random() * this.list.length)];
      if (peer && peer !== self) chosen.add(peer);
    }
    return [...chosen];
  }
}

export class SwarmRegistry<O> {
  private readonly swarms = new Map<string, Swarm<O>>();
  private peerCount = 0;

  get swarmCount(): number {
    return this.swarms.size;
  }

  get peers(): number {
    return this.peerCount;
  }

  get(infoHash: string): Swarm<O> | undefined {
    return this.swarms.get(infoHash);
  }

  find(infoHash: string, peerId: string): Peer<O> | undefined {
    return this.swarms.get(infoHash)?.byId.get(peerId);
  }

  /** Adds a peer; the caller has checked that the id is free and the caps allow it. */
  join(infoHash: string, peerId: string, owner: O): Peer<O> {
    let swarm = this.swarms.get(infoHash);
    if (!swarm) {
      swarm = new Swarm<O>(infoHash);
      this.swarms.set(infoHash, swarm);
    }
    const peer: Peer<O> = { swarm, peerId, owner, complete: false, index: swarm.list.length };
    swarm.byId.set(peerId, peer);
    swarm.list.push(peer);
    this.peerCount++;
    return peer;
  }

  setComplete(peer: Peer<O>, complete: boolean): void {
    if (peer.complete === complete) return;
    peer.complete = complete;
    peer.swarm.complete += complete ? 1 : -1;
  }

  leave(peer: Peer<O>): void {
    const { swarm } = peer;
    if (swarm.byId.get(peer.peerId) !== peer) return;
    swarm.byId.delete(peer.peerId);
    const last = swarm.list.pop() as Peer<O>;
    if (last !== peer) {
      swarm.list[peer.index] = last;
      last.index = peer.index;
    }
    if (peer.complete) swarm.complete--;
    this.peerCount--;
    if (swarm.list.length === 0) this.swarms.delete(swarm.infoHash);
  }
}
