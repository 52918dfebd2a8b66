// The WebSocket tracker: admits sockets, rate-limits and decodes their messages, keeps swarms,
// relays offers and answers, and closes idle, dead or abusive sockets. Nothing a client sends is
// ever logged: the log gets only internal errors, by error name.
import type { RawData, WebSocket } from 'ws';
import { Admission } from './admission';
import { Client, pendingKey } from './client';
import type { ClosedCounters, Health } from './counters';
import { newClosedCounters, newDroppedCounters } from './counters';
import type { Limits } from './limits';
import type { Announce, Answer, ScrapeCounts } from './messages';
import {
  announceReply,
  answerRelay,
  failure,
  offerRelay,
  parseInbound,
  scrapeReply,
} from './messages';
import type { Peer } from './swarms';
import { SwarmRegistry } from './swarms';

export interface TrackerDeps {
  limits: Limits;
  log: (line: string) => void;
  now?: () => number;
  random?: () => number;
}

export class Tracker {
  readonly dropped = newDroppedCounters();
  readonly closed = newClosedCounters();
  /** Connection caps; the HTTP server asks it before each upgrade. */
  readonly admission: Admission;
  private readonly clients = new Set<Client>();
  private readonly swarms = new SwarmRegistry<Client>();
  private readonly limits: Limits;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly timer: NodeJS.Timeout;

  constructor(deps: TrackerDeps) {
    this.limits = deps.limits;
    this.admission = new Admission(deps.limits, this.closed);
    this.log = deps.log;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    const { pingIntervalMs, idleTimeoutMs, offerTtlMs } = this.limits;
    const tick = Math.max(50, Math.min(pingIntervalMs, idleTimeoutMs, offerTtlMs) / 2);
    this.timer = setInterval(() => this.housekeeping(), tick);
    this.timer.unref();
  }

  accept(ws: WebSocket): void {
    const client = new Client(ws, this.limits, this.now);
    this.clients.add(client);
    ws.on('message', (data, isBinary) => this.onMessage(client, data, isBinary));
    ws.on('pong', () => (client.awaitingPong = false));
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.dropped.tooLarge++;
        this.closed.tooLarge++;
      } else {
        this.dropped.badMessage++;
      }
    });
    ws.on('close', () => {
      this.forget(client);
      this.clients.delete(client);
    });
  }

  health(): Health {
    let pendingOffers = 0;
    for (const client of this.clients) pendingOffers += client.pending.size;
    return {
      ok: true,
      swarms: this.swarms.swarmCount,
      peers: this.swarms.peers,
      sockets: this.clients.size,
      pendingOffers,
      dropped: { ...this.dropped },
      closed: { ...this.closed },
    };
  }

  close(): void {
    clearInterval(this.timer);
    for (const client of this.clients) {
      this.forget(client);
      client.ws.terminate();
    }
  }

  private onMessage(client: Client, data: RawData, isBinary: boolean): void {
    if (client.closing) return;
    client.lastMessageAt = this.now();
    if (!client.messages.take()) {
      this.dropped.rateLimited++;
      if (!client.drops.take()) this.shut(client, 'rateAbuse', 1008, 'rate limit');
      return;
    }
    if (isBinary) {
      this.dropped.badMessage++;
      return;
    }
    try {
      this.handle(client, rawText(data));
    } catch (err) {
      // A bug must cost one socket, never the process; the message itself is not logged.
      this.log(`signaling: internal error handling a message (${(err as Error).name})`);
      this.shut(client, 'internalError', 1011, 'internal error');
    }
  }

  private handle(client: Client, text: string): void {
    const msg = parseInbound(text, this.limits.maxOffersPerAnnounce);
    switch (msg.kind) {
      case 'announce':
        return this.onAnnounce(client, msg);
      case 'answer':
        return this.onAnswer(client, msg);
      case 'scrape':
        return this.onScrape(client, msg.infoHashes);
      case 'invalid':
        this.dropped.badMessage++;
        // Garbage gets no reply; a malformed tracker request gets one the client can show.
        if (msg.action) this.send(client, failure(msg.action, 'invalid request', msg.infoHash));
    }
  }

  private onAnnounce(client: Client, msg: Announce): void {
    let peer = this.swarms.find(msg.infoHash, msg.peerId);
    if (peer && peer.owner !== client) {
      this.dropped.forgedPeer++;
      this.send(
        client,
        failure('announce', 'peer_id is in use by another connection', msg.infoHash),
      );
      return;
    }
    if (msg.event === 'stopped') {
      if (peer) this.leave(peer);
      this.send(client, this.announceReplyFor(msg.infoHash));
      return;
    }
    if (!peer) {
      const refusal = this.joinRefusal(client, msg.infoHash);
      if (refusal) {
        this.send(client, failure('announce', refusal, msg.infoHash));
        return;
      }
      peer = this.swarms.join(msg.infoHash, msg.peerId, client);
      client.memberships.add(peer);
    }
    if (msg.event === 'completed' || msg.left === 0) this.swarms.setComplete(peer, true);
    else if (msg.left !== undefined) this.swarms.setComplete(peer, false);

    this.send(client, this.announceReplyFor(msg.infoHash));
    this.dropped.extraOffers += msg.extraOffers;
    this.relayOffers(peer, msg);
  }

  private joinRefusal(client: Client, infoHash: string): string | undefined {
    if (client.memberships.size >= this.limits.maxMembershipsPerSocket) {
      this.dropped.tooManyMemberships++;
      return 'too many swarms on this connection';
    }
    const swarm = this.swarms.get(infoHash);
    if (swarm && swarm.list.length >= this.limits.maxPeersPerSwarm) {
      this.dropped.swarmFull++;
      return 'swarm is full';
    }
    return undefined;
  }

  private relayOffers(from: Peer<Client>, msg: Announce): void {
    const count = Math.min(msg.offers.length, msg.numwant ?? msg.offers.length);
    const targets = from.swarm.sample(count, from, this.random);
    const expiresAt = this.now() + this.limits.offerTtlMs;
    targets.forEach((target, i) => {
      const offer = msg.offers[i];
      const receiver = target.owner;
      if (!offer || !this.send(receiver, offerRelay(msg.infoHash, msg.peerId, offer))) return;
      const key = pendingKey(msg.infoHash, offer.offerId, msg.peerId);
      const pending = { from, toPeerId: target.peerId, expiresAt };
      const max = this.limits.maxPendingOffersPerSocket;
      this.dropped.pendingEvicted += receiver.addPending(key, pending, max, this.now());
    });
  }

  private onAnswer(client: Client, msg: Answer): void {
    const peer = this.swarms.find(msg.infoHash, msg.peerId);
    if (peer && peer.owner !== client) {
      this.dropped.forgedPeer++;
      return;
    }
    const key = pendingKey(msg.infoHash, msg.offerId, msg.toPeerId);
    const pending = peer ? client.takePending(key, this.now()) : undefined;
    const offerer = pending?.from;
    const offererHere = offerer && this.swarms.find(msg.infoHash, offerer.peerId) === offerer;
    if (!pending || pending.toPeerId !== msg.peerId || !offererHere) {
      this.dropped.unknownOffer++;
      return;
    }
    this.send(offerer.owner, answerRelay(msg));
  }

  private onScrape(client: Client, infoHashes: string[]): void {
    const max = this.limits.maxScrapeHashes;
    if (infoHashes.length === 0 || infoHashes.length > max) {
      this.dropped.scrapeRefused++;
      this.send(client, failure('scrape', `scrape needs 1 to ${max} info_hash values`, undefined));
      return;
    }
    const files = new Map<string, ScrapeCounts>();
    for (const infoHash of infoHashes) {
      const swarm = this.swarms.get(infoHash);
      files.set(infoHash, { complete: swarm?.complete ?? 0, incomplete: swarm?.incomplete ?? 0 });
    }
    this.send(client, scrapeReply(files, this.limits.announceIntervalSeconds));
  }

  /** Sends unless the receiver is closing, or not reading (then counted as slowReceiver). */
  private send(client: Client, text: string): boolean {
    if (!client.open) return false;
    if (client.send(text, this.limits.maxBufferedBytes)) return true;
    this.dropped.slowReceiver++;
    return false;
  }

  private announceReplyFor(infoHash: string): string {
    const swarm = this.swarms.get(infoHash);
    const counts = { complete: swarm?.complete ?? 0, incomplete: swarm?.incomplete ?? 0 };
    return announceReply(infoHash, counts, this.limits.announceIntervalSeconds);
  }

  private leave(peer: Peer<Client>): void {
    this.swarms.leave(peer);
    peer.owner.memberships.delete(peer);
  }

  /** Removes everything the socket holds; safe to call more than once. */
  private forget(client: Client): void {
    for (const peer of client.memberships) this.swarms.leave(peer);
    client.memberships.clear();
    client.pending.clear();
  }

  private shut(client: Client, reason: keyof ClosedCounters, code: number, text: string): void {
    if (client.closing) return;
    this.closed[reason]++;
    client.closing = true;
    this.forget(client);
    if (reason === 'unresponsive') client.ws.terminate();
    else client.ws.close(code, text);
  }

  private housekeeping(): void {
    const now = this.now();
    const { idleTimeoutMs, pingIntervalMs } = this.limits;
    for (const client of this.clients) {
      if (client.closing) continue;
      client.sweepPending(now);
      if (now - client.lastMessageAt >= idleTimeoutMs) {
        this.shut(client, 'idle', 1000, 'idle');
      } else if (now - client.lastPingAt >= pingIntervalMs) {
        if (client.awaitingPong) {
          this.shut(client, 'unresponsive', 1001, 'no pong');
          continue;
        }
        client.awaitingPong = true;
        client.lastPingAt = now;
        if (client.open) client.ws.ping();
      }
    }
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
