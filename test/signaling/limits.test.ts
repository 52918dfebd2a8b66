// Hardening that concerns connections and memory, each on a server with small limits: per-address
// connections, idle and unresponsive sockets, caps on memberships, swarm size and pending offers,
// offer expiry, and a socket that stops reading.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { connect as connectTcp } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message, TestServer } from './harness';
import {
  announce,
  answerFor,
  binaryId,
  eventually,
  expectNothingIdentifying,
  flush,
  isAnswer,
  isFailure,
  isOffer,
  isReply,
  offers,
  SocketPool,
  startTestServer,
  TrackerSocket,
} from './harness';

const pool = new SocketPool(() => {
  throw new Error('name the server');
});
const connect = (server: TestServer) => pool.connect(server);
const servers: TestServer[] = [];

/** A server with `limits`, closed (after the no-leak check) when the test ends. */
async function serverWith(limits: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const server = await startTestServer(limits);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await pool.closeAll();
  for (const server of servers.splice(0)) {
    expectNothingIdentifying(server);
    await server.server.close();
  }
});

describe('signaling limits on connections and memory', () => {
  it('refuses connections over the per-address limit', async () => {
    const small = await serverWith({ maxConnectionsPerIp: 2 });
    const a = await connect(small);
    await connect(small);
    await expect(TrackerSocket.open(small.server.trackerUrl)).rejects.toThrow();
    expect(small.server.counters().closed.refusedPerIp).toBe(1);
    await a.close();
    await eventually(async () => {
      const again = await TrackerSocket.open(small.server.trackerUrl).catch(() => undefined);
      if (again) pool.adopt(again);
      return again !== undefined;
    }, 'a slot to free up');
  });

  it('closes idle sockets, and terminates ones that do not answer pings', async () => {
    const quick = await serverWith({ idleTimeoutMs: 1200, pingIntervalMs: 400 });
    const idle = await connect(quick);
    expect(await idle.closed()).toBe(1000);
    const deaf = pool.adopt(await TrackerSocket.open(quick.server.trackerUrl, { autoPong: false }));
    const chatter = setInterval(() => deaf.send('{}'), 20); // busy, so never idle
    try {
      await deaf.closed();
    } finally {
      clearInterval(chatter);
    }
    expect(quick.server.counters().closed).toMatchObject({ idle: 1, unresponsive: 1 });
    await eventually(() => quick.server.counters().sockets === 0, 'sockets gone');
  });

  it('caps swarm memberships per socket, peers per swarm and pending offers', async () => {
    const capped = await serverWith({
      maxMembershipsPerSocket: 3,
      maxPeersPerSwarm: 2,
      maxPendingOffersPerSocket: 2,
    });
    const socket = await connect(capped);
    const id = binaryId();
    for (let i = 0; i < 4; i++) socket.send(announce(binaryId(), id, { event: 'started' }));
    await socket.next(isFailure);
    expect(capped.server.counters()).toMatchObject({ swarms: 3, peers: 3 });

    const infoHash = binaryId();
    const receiver = await connect(capped);
    const receiverId = binaryId();
    receiver.send(announce(infoHash, receiverId, { event: 'started' }));
    await receiver.next(isReply);
    const sender = await connect(capped);
    const senderId = binaryId();
    sender.send(announce(infoHash, senderId, { event: 'started', offers: offers(1) }));
    await sender.next(isReply);
    const third = await connect(capped);
    third.send(announce(infoHash, binaryId(), { event: 'started' }));
    expect(await third.next(isFailure)).toMatchObject({ info_hash: infoHash });

    for (let i = 0; i < 3; i++) sender.send(announce(infoHash, senderId, { offers: offers(1) }));
    await eventually(() => receiver.count(isOffer) === 4, 'four offers');
    const relays = receiver.received.filter(isOffer);
    receiver.send(answerFor(infoHash, receiverId, relays[0] as Message)); // evicted
    receiver.send(answerFor(infoHash, receiverId, relays[3] as Message)); // kept
    const answer = await sender.next(isAnswer);
    expect(answer.offer_id).toBe(relays[3]?.offer_id);
    expect(capped.server.counters().dropped).toMatchObject({
      tooManyMemberships: 1,
      swarmFull: 1,
      pendingEvicted: 2,
      unknownOffer: 1,
    });
  });

  it('forgets a relayed offer after its time to live', async () => {
    const brief = await serverWith({ offerTtlMs: 1000 });
    const infoHash = binaryId();
    const receiver = await connect(brief);
    const receiverId = binaryId();
    receiver.send(announce(infoHash, receiverId, { event: 'started' }));
    await receiver.next(isReply);
    const sender = await connect(brief);
    sender.send(announce(infoHash, binaryId(), { event: 'started', offers: offers(1) }));
    const relay = await receiver.next(isOffer);
    expect(brief.server.counters().pendingOffers).toBe(1);
    await eventually(() => brief.server.counters().pendingOffers === 0, 'the offer to expire');
    receiver.send(answerFor(infoHash, receiverId, relay));
    await flush(receiver);
    expect(brief.server.counters().dropped.unknownOffer).toBe(1);
    await flush(sender);
    expect(sender.count(isAnswer)).toBe(0);
  });
});

describe('signaling and a socket that stops reading', () => {
  /** A WebSocket client on a raw TCP socket that, after its announce, never reads again. */
  async function deafPeer(url: string, infoHash: string): Promise<Socket> {
    const { hostname, port } = new URL(url);
    const socket = connectTcp(Number(port), hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    const key = randomBytes(16).toString('base64');
    socket.write(
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await new Promise((resolve) => socket.once('data', resolve)); // 101 Switching Protocols
    const message = announce(infoHash, binaryId(), { event: 'started' });
    const payload = Buffer.from(JSON.stringify(message));
    // One masked text frame with a 16-bit length; a zero mask leaves the payload as it is.
    const header = Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255]);
    socket.write(Buffer.concat([header, Buffer.alloc(4), payload]));
    socket.pause();
    return socket;
  }

  it('stops sending to it instead of buffering without bound', async () => {
    const slow = await serverWith({
      maxBufferedBytes: 64 * 1024,
      messagesPerSecond: 10_000,
      messageBurst: 10_000,
    });
    const infoHash = binaryId();
    const deaf = await deafPeer(slow.server.trackerUrl, infoHash);
    try {
      await eventually(() => slow.server.counters().peers === 1, 'the deaf peer to join');
      const sender = await connect(slow);
      const id = binaryId();
      const big = { type: 'offer', sdp: 'a'.repeat(60_000) };
      await eventually(() => {
        for (let i = 0; i < 20; i++) {
          sender.send(announce(infoHash, id, { offers: [{ offer_id: binaryId(), offer: big }] }));
        }
        return slow.server.counters().dropped.slowReceiver > 0;
      }, 'relays to the deaf peer to stop');
      expect(slow.server.counters().closed.internalError).toBe(0);
    } finally {
      deaf.destroy();
    }
  });
});
