// One connected WebSocket: its rate buckets, its swarm memberships, and the offers relayed to
// it that it may still answer.
import { WebSocket } from 'ws';
import type { Limits } from './limits';
import type { Peer } from './swarms';
import { TokenBucket } from './token-bucket';

/** An offer relayed to this socket: only `toPeerId` may answer it, once, before `expiresAt`. */
export interface PendingOffer {
  from: Peer<Client>;
  toPeerId: string;
  expiresAt: number;
}

export class Client {
  readonly memberships = new Set<Peer<Client>>();
  /** Keyed by `pendingKey`; insertion order is expiry order (one TTL for all). */
  readonly pending = new Map<string, PendingOffer>();
  readonly messages: TokenBucket;
  /** Drops allowed for rate before the socket counts as abusive. */
  readonly drops: TokenBucket;
  lastMessageAt: number;
  lastPingAt = 0;
  awaitingPong = false;
  /** Set once the server starts closing it: nothing more is read or relayed. */
  closing = false;

  constructor(
    readonly ws: WebSocket,
    limits: Limits,
    now: () => number,
  ) {
    this.messages = new TokenBucket(limits.messagesPerSecond, limits.messageBurst, now);
    this.drops = new TokenBucket(limits.messagesPerSecond, limits.maxRateLimitedBurst, now);
    this.lastMessageAt = now();
  }

  get open(): boolean {
    return !this.closing && this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Queues `text` unless the socket is going away or not draining its buffer (a reader that
   * stops reading must not grow our memory). Returns whether it was queued.
   */
  send(text: string, maxBufferedBytes: number): boolean {
    if (!this.open || this.ws.bufferedAmount > maxBufferedBytes) return false;
    // A send that fails because the socket is going away needs no handling: 'close' cleans up.
    this.ws.send(text, noop);
    return true;
  }

  /** Adds a pending offer, dropping expired ones and, over `max`, the oldest. Returns evictions. */
  addPending(key: string, offer: PendingOffer, max: number, now: number): number {
    this.sweepPending(now);
    this.pending.delete(key);
    this.pending.set(key, offer);
    let evicted = 0;
    for (const oldest of this.pending.keys()) {
      if (this.pending.size <= max) break;
      this.pending.delete(oldest);
      evicted++;
    }
    return evicted;
  }

  /** Takes the pending offer under `key` if it has not expired (each is answerable once). */
  takePending(key: string, now: number): PendingOffer | undefined {
    const offer = this.pending.get(key);
    if (!offer) return undefined;
    this.pending.delete(key);
    return offer.expiresAt > now ? offer : undefined;
  }

  sweepPending(now: number): void {
    for (const [key, offer] of this.pending) {
      if (offer.expiresAt > now) break;
      this.pending.delete(key);
    }
  }
}

/** Ids are fixed-length (20 chars), so plain concatenation is unambiguous. */
export function pendingKey(infoHash: string, offerId: string, offererPeerId: string): string {
  return infoHash + offerId + offererPeerId;
}

function noop(): void {}
