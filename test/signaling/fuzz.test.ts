// Random and mutated tracker messages from several sockets for a fixed time: the server must
// not crash or throw, and once the clients leave, it must hold nothing (sockets, peers, swarms,
// pending offers all back to zero) and still work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, TestServer } from './harness';
import {
  announce,
  binaryId,
  eventually,
  expectNothingIdentifying,
  isOffer,
  isReply,
  offers,
  sdp,
  startTestServer,
  TrackerSocket,
} from './harness';

const FUZZ_MS = 3000;
const SOCKETS = 6;

/** xorshift32: reproducible from the seed printed on failure. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function fuzzer(random: () => number) {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const infoHashes = Array.from({ length: 3 }, binaryId);
  const peerIds = Array.from({ length: 6 }, binaryId);
  const seenOffers: Message[] = [];
  const junk = (): unknown =>
    pick<() => unknown>([
      () => null,
      () => Math.floor(random() * 2 ** 31) - 2 ** 30,
      () => random() * 1e300,
      () => 'x'.repeat(Math.floor(random() * 40)),
      () => pick(infoHashes).slice(0, Math.floor(random() * 21)),
      () => [junk(), junk()],
      () => ({ type: pick(['offer', 'answer', 'x']), sdp: pick([1, 'v=0', null]) }),
      () => ({ __proto__: { polluted: true }, constructor: 1 }),
      () => '\u0000\uffff\ud800',
    ])();
  const valid = (): Message =>
    pick<() => Message>([
      () =>
        announce(pick(infoHashes), pick(peerIds), {
          event: pick(['started', 'update', 'completed', 'stopped', 'paused']),
          offers: offers(Math.floor(random() * 4), 'fuzz'),
        }),
      () => ({
        action: 'scrape',
        info_hash: random() < 0.5 ? pick(infoHashes) : [pick(infoHashes)],
      }),
      () => {
        const relay =
          seenOffers.length > 0
            ? pick(seenOffers)
            : { peer_id: pick(peerIds), offer_id: binaryId() };
        return {
          action: 'announce',
          info_hash: relay.info_hash ?? pick(infoHashes),
          peer_id: pick(peerIds),
          to_peer_id: relay.peer_id,
          offer_id: relay.offer_id,
          answer: { type: 'answer', sdp: sdp('fuzz-answer') },
        };
      },
    ])();
  const mutate = (msg: Message): Message => {
    const keys = [
      ...Object.keys(msg),
      'action',
      'info_hash',
      'peer_id',
      'offers',
      'answer',
      'numwant',
      'left',
    ];
    for (let n = Math.floor(random() * 3); n > 0; n--) {
      const key = pick(keys);
      if (random() < 0.3) delete msg[key];
      else msg[key] = junk();
    }
    return msg;
  };
  return {
    seenOffers,
    message(): string {
      const r = random();
      if (r < 0.1)
        return String.fromCharCode(...Array.from({ length: 30 }, () => Math.floor(random() * 128)));
      const text = JSON.stringify(r < 0.55 ? valid() : mutate(valid()));
      return r > 0.95 ? text.slice(0, Math.floor(random() * text.length)) : text;
    },
  };
}

let t: TestServer;

beforeAll(async () => {
  // Rates high enough that the fuzz reaches the parser and the swarm logic, not just the limiter.
  t = await startTestServer({
    messagesPerSecond: 100_000,
    messageBurst: 100_000,
    maxPendingOffersPerSocket: 20,
  });
});

afterAll(async () => {
  expectNothingIdentifying(t);
  await t.server.close();
});

describe('signaling under random and mutated messages', () => {
  it('survives, then holds nothing once the clients leave, and still works', async () => {
    const seed = Date.now() >>> 0;
    const fuzz = fuzzer(prng(seed));
    const sockets = await Promise.all(
      Array.from({ length: SOCKETS }, () => TrackerSocket.open(t.server.trackerUrl)),
    );
    const end = Date.now() + FUZZ_MS;
    let sent = 0;
    while (Date.now() < end) {
      for (const socket of sockets) {
        if (socket.closeCode !== undefined) continue;
        for (let i = 0; i < 20; i++) socket.send(fuzz.message());
        sent += 20;
        fuzz.seenOffers.push(...socket.received.filter(isOffer));
        socket.received.length = 0;
        fuzz.seenOffers.splice(0, Math.max(0, fuzz.seenOffers.length - 50));
      }
      await new Promise((r) => setTimeout(r, 5)); // let the sockets' replies arrive
    }
    const during = t.server.counters();
    expect(during.closed.internalError, `seed ${seed}`).toBe(0);
    expect(during.dropped.badMessage, `seed ${seed}`).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(0);

    await Promise.all(sockets.map((s) => s.close()));
    await eventually(() => {
      const c = t.server.counters();
      return c.sockets === 0 && c.peers === 0 && c.swarms === 0 && c.pendingOffers === 0;
    }, 'the server to hold nothing');

    // Still a working tracker.
    const infoHash = binaryId();
    const [a, b] = await Promise.all([
      TrackerSocket.open(t.server.trackerUrl),
      TrackerSocket.open(t.server.trackerUrl),
    ]);
    a.send(announce(infoHash, binaryId(), { event: 'started' }));
    await a.next(isReply);
    b.send(announce(infoHash, binaryId(), { event: 'started', offers: offers(1) }));
    expect(await b.next(isReply)).toMatchObject({ incomplete: 2 });
    await a.next(isOffer);
    await a.close();
    await b.close();
    expect(t.server.counters().closed.internalError).toBe(0);
  });
});
