// Each hardening rule of DESIGN.md section 5 that concerns messages, asserted by its outcome
// against the real server: size, rate, forged peer ids, answer routing, scrape, offer caps.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './harness';
import {
  announce,
  answerFor,
  binaryId,
  expectNothingIdentifying,
  flush,
  isAnswer,
  isFailure,
  isOffer,
  isReply,
  offers,
  SocketPool,
  startTestServer,
} from './harness';

let t: TestServer;
const pool = new SocketPool(() => t);
const connect = () => pool.connect();
const joined = (infoHash: string) => pool.joined(infoHash);
const dropped = () => t.server.counters().dropped;
const closed = () => t.server.counters().closed;

beforeAll(async () => {
  t = await startTestServer({ messageBurst: 50, messagesPerSecond: 20, maxRateLimitedBurst: 50 });
});

afterEach(() => pool.closeAll());

afterAll(async () => {
  expectNothingIdentifying(t);
  await t.server.close();
});

describe('signaling hardening', () => {
  it('closes a socket that sends an 8 MiB message', async () => {
    const socket = await connect();
    socket.send('x'.repeat(8 * 1024 * 1024));
    expect(await socket.closed()).toBe(1009);
    expect(dropped().tooLarge).toBe(1);
    expect(closed().tooLarge).toBe(1);
  });

  it('limits 1 000 offers a second from one socket, counts the drops and closes it', async () => {
    const infoHash = binaryId();
    const victim = await joined(infoHash);
    const flooder = await connect();
    const id = binaryId();
    const before = dropped().rateLimited;
    for (let i = 0; i < 1000; i++)
      flooder.send(announce(infoHash, id, { offers: offers(1, 'flood') }));
    expect(await flooder.closed()).toBe(1008);
    expect(dropped().rateLimited).toBeGreaterThan(before);
    expect(closed().rateAbuse).toBe(1);
    await flush(victim.socket);
    expect(victim.socket.count(isOffer)).toBeLessThan(1000);
    expect(victim.socket.count(isOffer)).toBeGreaterThan(0);
  });

  it("ignores another socket's stop and re-announce for a peer id; the victim keeps working", async () => {
    const infoHash = binaryId();
    const victim = await joined(infoHash);
    const attacker = await connect();
    const before = dropped().forgedPeer;
    attacker.send(announce(infoHash, victim.peerId, { event: 'stopped' }));
    attacker.send(announce(infoHash, victim.peerId, { event: 'completed', left: 0 }));
    await attacker.next(isFailure);
    await attacker.next(isFailure);
    expect(dropped().forgedPeer).toBe(before + 2);

    const offerer = await connect();
    const offererId = binaryId();
    offerer.send(announce(infoHash, offererId, { event: 'started', offers: offers(2) }));
    expect(await offerer.next(isReply)).toMatchObject({ complete: 0, incomplete: 2 });
    const relay = await victim.socket.next(isOffer, 'offer to the victim');
    victim.socket.send(answerFor(infoHash, victim.peerId, relay));
    expect(await offerer.next(isAnswer)).toMatchObject({ peer_id: victim.peerId });
  });

  it("ignores an answer sent with another peer's id, or for an offer it was not relayed", async () => {
    const infoHash = binaryId();
    const victim = await joined(infoHash);
    const offerer = await connect();
    const offererId = binaryId();
    offerer.send(announce(infoHash, offererId, { event: 'started', offers: offers(1) }));
    const relay = await victim.socket.next(isOffer);

    const attacker = await joined(infoHash);
    const forged = dropped().forgedPeer;
    const unknown = dropped().unknownOffer;
    attacker.socket.send(answerFor(infoHash, victim.peerId, relay, 'forged')); // as the victim
    attacker.socket.send(answerFor(infoHash, attacker.peerId, relay, 'hijack')); // not relayed to it
    await flush(attacker.socket);
    expect(dropped().forgedPeer).toBe(forged + 1);
    expect(dropped().unknownOffer).toBe(unknown + 1);

    victim.socket.send(answerFor(infoHash, victim.peerId, relay, 'real'));
    const answer = await offerer.next(isAnswer);
    expect(answer).toMatchObject({ peer_id: victim.peerId, offer_id: relay.offer_id });
    // Each relayed offer is answerable once.
    victim.socket.send(answerFor(infoHash, victim.peerId, relay, 'again'));
    await flush(victim.socket);
    expect(dropped().unknownOffer).toBe(unknown + 2);
    await flush(offerer);
    expect(offerer.count(isAnswer)).toBe(0);
  });

  it('refuses a scrape with no info_hash, or with too many', async () => {
    await joined(binaryId());
    const socket = await connect();
    const before = dropped().scrapeRefused;
    socket.send({ action: 'scrape' });
    const refusal = await socket.next((m) => m.action === 'scrape');
    expect(refusal['failure reason']).toMatch(/info_hash/);
    expect(refusal.files).toBeUndefined();
    socket.send({ action: 'scrape', info_hash: Array.from({ length: 17 }, binaryId) });
    expect(await socket.next((m) => m.action === 'scrape')).toHaveProperty('failure reason');
    expect(dropped().scrapeRefused).toBe(before + 2);
  });

  it('relays at most 10 offers from one announce and honours a smaller numwant', async () => {
    const infoHash = binaryId();
    const peers = await Promise.all(Array.from({ length: 12 }, () => joined(infoHash)));
    const offerer = await connect();
    const id = binaryId();
    const before = dropped().extraOffers;
    offerer.send(announce(infoHash, id, { event: 'started', numwant: 50, offers: offers(30) }));
    await offerer.next(isReply);
    offerer.send(announce(infoHash, id, { numwant: 2, offers: offers(5) }));
    await offerer.next(isReply);
    for (const p of peers) await flush(p.socket);
    expect(peers.reduce((n, p) => n + p.socket.count(isOffer), 0)).toBe(12);
    expect(dropped().extraOffers).toBe(before + 20);
  });

  it('counts malformed messages and keeps the socket open', async () => {
    const socket = await connect();
    const before = dropped().badMessage;
    socket.send('not json');
    socket.send('[1,2]');
    socket.send({ action: 'announce', info_hash: 'short', peer_id: binaryId() });
    socket.send({ action: 'announce', info_hash: binaryId(), peer_id: binaryId(), offers: 'x' });
    socket.ws.send(Buffer.from('binary'), { binary: true });
    await flush(socket);
    expect(dropped().badMessage).toBe(before + 5);
  });
});
