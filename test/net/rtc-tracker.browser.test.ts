/**
 * The page's WebTorrent tracker client (src/net/rtc-tracker.ts) in real Chromium with real
 * WebRTC: two clients meet through the project's signaling server, their raw channels carry
 * bytes (also after a transfer to workers, the reason the module exists), it interoperates with
 * bittorrent-tracker's own client both ways, and unanswered offers expire. Then, against a fake
 * WebSocket (the test plays the tracker), every kind of bad frame is ignored without a throw or a
 * peer connection, wantPeers() gates offers and answers, the mutual-offer tie-break keeps one
 * link, and the socket is re-announced on the interval and reconnected after a drop.
 */
import Client from 'bittorrent-tracker/client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import {
  startRtcTracker,
  type RtcLink,
  type RtcTracker,
  type RtcTrackerOptions,
  type RtcTrackerSocket,
} from '../../src/net/rtc-tracker';

const platform = { RTCPeerConnection, WebSocket };
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((clean) => clean()));

const randomId = () => crypto.getRandomValues(new Uint8Array(20));
const text = (data: unknown) =>
  typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer);

async function until(check: () => boolean, ms = 45_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Got {
  channel: RTCDataChannel;
  link: RtcLink;
  received: string[];
}

interface Side {
  peerId: Uint8Array;
  tracker: RtcTracker;
  got: Got[];
  closed: { link: RtcLink; reason: string }[];
  warnings: string[];
}

/** One of our clients; its onChannel sets up the channel as the worker would. */
function ours(infoHash: Uint8Array, extra: Partial<RtcTrackerOptions> = {}): Side {
  const peerId = extra.peerId ?? randomId();
  const side: Omit<Side, 'tracker'> = { peerId, got: [], closed: [], warnings: [] };
  const tracker = startRtcTracker({
    url: inject('signalingTrackerUrl'),
    infoHash,
    peerId: side.peerId,
    platform,
    onChannel: (channel, link) => {
      const got: Got = { channel, link, received: [] };
      channel.binaryType = 'arraybuffer';
      channel.onmessage = (event) => got.received.push(text(event.data));
      side.got.push(got);
    },
    onLinkClosed: (link, reason) => side.closed.push({ link, reason }),
    onWarning: (message) => side.warnings.push(message),
    ...extra,
  });
  cleanups.push(() => tracker.close());
  return { ...side, tracker };
}

/** The open channel `side` has with the peer `remote`, if any. */
function openWith(side: Side, remote: Uint8Array): Got | undefined {
  const hex = toHex(remote);
  return side.got.find((g) => g.link.remotePeerId === hex && g.channel.readyState === 'open');
}

function stockClient(infoHash: Uint8Array, peerId: Uint8Array, warnings: string[]): Client {
  const client = new Client({
    infoHash,
    peerId,
    announce: [inject('signalingTrackerUrl')],
    port: 1,
    getAnnounceOpts: () => ({ uploaded: 0, downloaded: 0, left: 16_384 }),
  });
  client.on('warning', (e) => warnings.push(String(e)));
  client.on('error', (e) => warnings.push(String(e)));
  cleanups.push(() => client.destroy());
  return client;
}

interface SimplePeer {
  readonly initiator: boolean;
  readonly connected: boolean;
  send(data: Uint8Array): void;
  on(event: string, listener: (data?: Uint8Array) => void): void;
  destroy(): void;
}

interface StockPeer {
  peer: SimplePeer;
  received: string[];
}

function collectStockPeers(client: Client): StockPeer[] {
  const peers: StockPeer[] = [];
  client.on('peer', (duplex) => {
    if (typeof duplex === 'string') return;
    const stockPeer = { peer: duplex as unknown as SimplePeer, received: [] as string[] };
    stockPeer.peer.on('error', () => undefined);
    stockPeer.peer.on('data', (data) => stockPeer.received.push(text(data)));
    cleanups.push(() => stockPeer.peer.destroy());
    peers.push(stockPeer);
  });
  return peers;
}

describe('rtc-tracker through the signaling server', () => {
  it('two clients meet, carry bytes both ways, and their links close on close()', async () => {
    const infoHash = randomId();
    const t0 = performance.now();
    const a = ours(infoHash);
    const b = ours(infoHash);
    await until(() => !!openWith(a, b.peerId) && !!openWith(b, a.peerId));
    console.info(`rtc-tracker: two clients open in ${Math.round(performance.now() - t0)} ms`);
    const ab = openWith(a, b.peerId)!;
    const ba = openWith(b, a.peerId)!;
    expect(ab.link.initiator).toBe(!ba.link.initiator);

    ab.channel.send(new TextEncoder().encode('from a'));
    ba.channel.send(new TextEncoder().encode('from b'));
    await until(() => ba.received.length === 1 && ab.received.length === 1);
    expect([ba.received, ab.received]).toEqual([['from a'], ['from b']]);
    // One link per pair: no second connection formed meanwhile.
    expect(a.got.filter((g) => g.channel.readyState === 'open')).toHaveLength(1);
    expect(b.got.filter((g) => g.channel.readyState === 'open')).toHaveLength(1);

    a.tracker.close();
    expect(a.closed.map((c) => c.reason)).toContain('closed');
    expect(a.closed.some((c) => c.link === ab.link)).toBe(true);
    expect(a.tracker.links).toBe(0);
    await until(() => b.closed.some((c) => c.link === ba.link));
    expect(ba.channel.readyState).toBe('closed');
    expect([...a.warnings, ...b.warnings]).toEqual([]);
  });

  it('hands out channels that work after a transfer to workers; closing one there ends both links', async () => {
    const workerCode = `
      const channels = new Map();
      onmessage = ({ data }) => {
        if (data.channel) {
          const { id, channel } = data;
          channels.set(id, channel);
          channel.binaryType = 'arraybuffer';
          channel.onopen = () => postMessage({ id, event: 'open' });
          channel.onmessage = (e) => postMessage({ id, event: 'message', text: String(e.data) });
          if (channel.readyState === 'open') postMessage({ id, event: 'open' });
        } else if (data.send) channels.get(data.send).send(data.text);
        else if (data.close) channels.get(data.close).close();
      };`;
    const url = URL.createObjectURL(new Blob([workerCode], { type: 'text/javascript' }));
    const infoHash = randomId();
    const sides = [0, 1].map(() => {
      const worker = new Worker(url);
      cleanups.push(() => worker.terminate());
      const events: { id: number; event: string; text?: string }[] = [];
      worker.onmessage = (e: MessageEvent<(typeof events)[0]>) => events.push(e.data);
      const side = ours(infoHash, {
        channelCheckMs: 200,
        onChannel: (channel, link) => worker.postMessage({ id: link.id, channel }, [channel]),
      });
      return { side, worker, events };
    });
    const [a, b] = sides as [(typeof sides)[0], (typeof sides)[0]];
    const opened = (s: typeof a) => s.events.find((e) => e.event === 'open')?.id;
    await until(() => opened(a) !== undefined && opened(b) !== undefined);

    a.worker.postMessage({ send: opened(a), text: 'through a worker' });
    await until(() => b.events.some((e) => e.event === 'message'));
    expect(b.events.find((e) => e.event === 'message')).toEqual({
      id: opened(b),
      event: 'message',
      text: 'through a worker',
    });

    b.worker.postMessage({ close: opened(b) });
    const closedIn = (s: typeof a) => s.side.closed.find((c) => c.link.id === opened(s));
    await until(() => !!closedIn(a) && !!closedIn(b));
    expect(closedIn(b)?.reason).toBe('channel closed');
    expect(['channel closed', 'remote closed']).toContain(closedIn(a)?.reason);
  });

  it('interoperates with bittorrent-tracker’s client: it answers our offer', async () => {
    const infoHash = randomId();
    const warnings: string[] = [];
    const stockId = randomId();
    const stock = stockClient(infoHash, stockId, warnings);
    const peers = collectStockPeers(stock);
    // The stock client announces first, so our offer reaches it (its own went to nobody).
    const announced = new Promise((resolve) => stock.once('update', resolve));
    stock.start();
    await announced;
    const t0 = performance.now();
    const side = ours(infoHash);
    await until(() => peers.some((p) => p.peer.connected) && side.got.some(isOpen));
    console.info(`rtc-tracker: our offer, stock answer: ${Math.round(performance.now() - t0)} ms`);
    const link = side.got.find(isOpen)!.link;
    expect([link.initiator, link.remotePeerId]).toEqual([true, toHex(stockId)]);
    expect(peers.find((p) => p.peer.connected)?.peer.initiator).toBe(false);
    await exchange(
      peers.find((p) => p.peer.connected)!,
      side.got.find(isOpen)!,
    );
    expect([...warnings, ...side.warnings]).toEqual([]);
  });

  it('interoperates with bittorrent-tracker’s client: we answer its offer', async () => {
    const infoHash = randomId();
    const warnings: string[] = [];
    const side = ours(infoHash, { offersPerAnnounce: 0 }); // we only answer here
    const stockId = randomId();
    const stock = stockClient(infoHash, stockId, warnings);
    const peers = collectStockPeers(stock);
    const t0 = performance.now();
    stock.start();
    // Until we are in the swarm, the stock client's offers reach nobody: it offers again.
    const again = setInterval(() => stock.update(), 3_000);
    cleanups.push(() => clearInterval(again));
    await until(() => peers.some((p) => p.peer.connected) && side.got.some(isOpen));
    console.info(`rtc-tracker: stock offer, our answer: ${Math.round(performance.now() - t0)} ms`);
    const link = side.got.find(isOpen)!.link;
    expect([link.initiator, link.remotePeerId]).toEqual([false, toHex(stockId)]);
    expect(peers.find((p) => p.peer.connected)?.peer.initiator).toBe(true);
    await exchange(
      peers.find((p) => p.peer.connected)!,
      side.got.find(isOpen)!,
    );
    expect([...warnings, ...side.warnings]).toEqual([]);
  });

  it('closes offers nobody answers after the offer timeout', async () => {
    const side = ours(randomId(), { offersPerAnnounce: 2, offerTimeoutMs: 1_500 });
    await until(() => side.got.length === 2);
    expect(side.got.every((g) => g.link.initiator && g.link.remotePeerId === undefined)).toBe(true);
    await until(() => side.closed.length === 2);
    expect(side.closed.map((c) => c.reason)).toEqual(['offer timed out', 'offer timed out']);
    expect(side.tracker.links).toBe(0);
    await until(() => side.got.every((g) => g.channel.readyState === 'closed'));
  });
});

const isOpen = (g: Got) => g.channel.readyState === 'open';

async function exchange(stockPeer: StockPeer, got: Got): Promise<void> {
  stockPeer.peer.send(new TextEncoder().encode('from stock'));
  got.channel.send(new TextEncoder().encode('from ours'));
  await until(() => got.received.length === 1 && stockPeer.received.length === 1);
  expect([got.received, stockPeer.received]).toEqual([['from stock'], ['from ours']]);
}

// The test as the tracker: a fake WebSocket, real RTCPeerConnections (counted) on both ends.

const bin = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const SDP_MARK = 'v=0 sdp-that-must-never-be-logged';

class FakeSocket implements RtcTrackerSocket {
  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  onopen: ((event: Event) => unknown) | null = null;
  onmessage: ((event: MessageEvent) => unknown) | null = null;
  onclose: ((event: CloseEvent) => unknown) | null = null;
  onerror: ((event: Event) => unknown) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  deliver(data: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data }));
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close'));
  }
}

interface Faked {
  side: Side;
  sockets: FakeSocket[];
  pcs(): number;
  infoHash: string;
  /** A frame from the tracker for this swarm. */
  frame(fields: Record<string, unknown>): string;
}

function fake(extra: Partial<RtcTrackerOptions> = {}): Faked {
  const sockets: FakeSocket[] = [];
  let pcs = 0;
  class Socket extends FakeSocket {
    constructor(_url: string) {
      super();
      sockets.push(this);
    }
  }
  class CountedPeerConnection extends RTCPeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config);
      pcs++;
      cleanups.push(() => this.close());
    }
  }
  const infoHash = randomId();
  const side = ours(infoHash, {
    url: 'wss://tracker.example/secret-passkey/announce',
    platform: { RTCPeerConnection: CountedPeerConnection, WebSocket: Socket },
    ...extra,
  });
  const frame = (fields: Record<string, unknown>) =>
    JSON.stringify({ action: 'announce', info_hash: bin(infoHash), ...fields });
  return { side, sockets, pcs: () => pcs, infoHash: bin(infoHash), frame };
}

async function gathered(pc: RTCPeerConnection): Promise<string> {
  await until(() => pc.iceGatheringState === 'complete', 10_000);
  return pc.localDescription!.sdp;
}

/** A remote peer's offer, as simple-peer would make it. */
async function remoteOffer(): Promise<{ pc: RTCPeerConnection; sdp: string }> {
  const pc = new RTCPeerConnection();
  cleanups.push(() => pc.close());
  pc.createDataChannel('remote');
  await pc.setLocalDescription(await pc.createOffer());
  return { pc, sdp: await gathered(pc) };
}

async function remoteAnswer(offerSdp: string): Promise<{ pc: RTCPeerConnection; sdp: string }> {
  const pc = new RTCPeerConnection();
  cleanups.push(() => pc.close());
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  await pc.setLocalDescription(await pc.createAnswer());
  return { pc, sdp: await gathered(pc) };
}

interface SentOffer {
  offer: { type: string; sdp: string };
  offer_id: string;
}
const offersIn = (message: Record<string, unknown> | undefined) => message?.offers as SentOffer[];

describe('rtc-tracker against a fake tracker', () => {
  it('ignores bad frames without a throw or a peer connection, with a warning that quotes nothing', async () => {
    const f = fake({ offersPerAnnounce: 0 });
    const socket = f.sockets[0]!;
    socket.open();
    await until(() => socket.sent.length === 1);
    expect(socket.sent[0]).toEqual({
      action: 'announce',
      info_hash: f.infoHash,
      peer_id: bin(f.side.peerId),
      numwant: 0,
      uploaded: 0,
      downloaded: 0,
      left: 16_384,
      event: 'started',
      offers: [],
    });
    const remote = bin(randomId());
    const offer = (fields: Record<string, unknown> = {}) =>
      f.frame({
        peer_id: remote,
        offer_id: bin(randomId()),
        offer: { type: 'offer', sdp: SDP_MARK },
        ...fields,
      });
    const frames: [unknown, RegExp][] = [
      ['not json', /not JSON/],
      ['[1,2]', /not an object/],
      [new ArrayBuffer(8), /binary frame/],
      [JSON.stringify({ action: 'connect' }), /unknown action/],
      [offer({ info_hash: bin(randomId()) }), /another swarm/],
      [offer({ padding: 'x'.repeat(70 * 1024) }), /oversized/],
      [offer({ peer_id: 'too short' }), /malformed offer/],
      [offer({ offer_id: '\u0100'.repeat(20) }), /malformed offer/],
      [offer({ offer: { type: 'answer', sdp: SDP_MARK } }), /malformed offer/],
      [offer({ offer: SDP_MARK }), /malformed offer/],
      [JSON.stringify({ action: 'announce', peer_id: remote, offer: {} }), /without info_hash/],
      [
        f.frame({
          peer_id: remote,
          offer_id: bin(randomId()),
          answer: { type: 'answer', sdp: SDP_MARK },
        }),
        /unknown or expired offer/,
      ],
      [f.frame({ interval: 'soon' }), /malformed interval/],
      [f.frame({ 'failure reason': 'go away\n' }), /the tracker refused: go away\?$/],
    ];
    for (const [data, expected] of frames) {
      const before = f.side.warnings.length;
      expect(() => socket.deliver(data)).not.toThrow();
      expect(f.side.warnings.slice(before)).toEqual([expect.stringMatching(expected)]);
    }
    expect(f.pcs()).toBe(0);
    expect(socket.sent).toHaveLength(1);
    for (const warning of f.side.warnings) {
      expect(warning.startsWith('wss://tracker.example: ')).toBe(true);
      for (const secret of [SDP_MARK, 'secret-passkey', remote])
        expect(warning).not.toContain(secret);
    }

    // The control: a well-formed offer does make a connection and an answer.
    const valid = await remoteOffer();
    socket.deliver(offer({ offer: { type: 'offer', sdp: valid.sdp } }));
    await until(() => socket.sent.length === 2);
    expect(socket.sent[1]).toMatchObject({ to_peer_id: remote, answer: { type: 'answer' } });
    expect(f.pcs()).toBe(1);
  });

  it('refuses an answer to an offer that timed out', async () => {
    const f = fake({ offersPerAnnounce: 1, offerTimeoutMs: 300 });
    const socket = f.sockets[0]!;
    socket.open();
    await until(() => socket.sent.length === 1);
    const [sent] = offersIn(socket.sent[0]);
    await until(() => f.side.closed.length === 1);
    expect(f.side.closed[0]?.reason).toBe('offer timed out');
    const answer = await remoteAnswer(sent!.offer.sdp);
    const before = f.side.warnings.length;
    socket.deliver(
      f.frame({
        peer_id: bin(randomId()),
        offer_id: sent!.offer_id,
        answer: { type: 'answer', sdp: answer.sdp },
      }),
    );
    expect(f.side.warnings.slice(before)).toEqual([
      expect.stringMatching(/unknown or expired offer/),
    ]);
    expect([f.pcs(), f.side.tracker.links]).toEqual([1, 0]);
  });

  it('makes and answers no offers while wantPeers() is false', async () => {
    let want = false;
    const f = fake({ wantPeers: () => want });
    const socket = f.sockets[0]!;
    socket.open();
    await until(() => socket.sent.length === 1);
    expect(socket.sent[0]).toMatchObject({ numwant: 0, offers: [] });
    const { sdp } = await remoteOffer();
    const [first, second] = [bin(randomId()), bin(randomId())];
    socket.deliver(
      f.frame({ peer_id: first, offer_id: bin(randomId()), offer: { type: 'offer', sdp } }),
    );
    want = true;
    socket.deliver(
      f.frame({ peer_id: second, offer_id: bin(randomId()), offer: { type: 'offer', sdp } }),
    );
    await until(() => socket.sent.length === 2);
    expect(socket.sent[1]).toMatchObject({ to_peer_id: second, answer: { type: 'answer' } });
    expect(f.pcs()).toBe(1); // made at once for an offer taken: none for the first

    f.side.tracker.announce();
    await until(() => socket.sent.length === 3);
    expect(socket.sent[2]).toMatchObject({ numwant: 4 });
    expect(socket.sent[2]).not.toHaveProperty('event');
    expect(offersIn(socket.sent[2])).toHaveLength(4);
  });

  for (const ourOfferWins of [true, false]) {
    it(`keeps one link when both peers answer each other's offers (${ourOfferWins ? 'ours' : 'theirs'} wins)`, async () => {
      // The offer of the lower peer id wins, on both sides.
      const remote = bin(new Uint8Array(20).fill(0x80));
      const f = fake({
        peerId: new Uint8Array(20).fill(ourOfferWins ? 0x01 : 0xfe),
        offersPerAnnounce: 1,
      });
      const socket = f.sockets[0]!;
      socket.open();
      await until(() => socket.sent.length === 1);
      const [ours] = offersIn(socket.sent[0]);
      const answering = await remoteAnswer(ours!.offer.sdp);
      const offering = await remoteOffer();
      socket.deliver(
        f.frame({
          peer_id: remote,
          offer_id: bin(randomId()),
          offer: { type: 'offer', sdp: offering.sdp },
        }),
      );
      await until(() => socket.sent.length === 2);
      socket.deliver(
        f.frame({
          peer_id: remote,
          offer_id: ours!.offer_id,
          answer: { type: 'answer', sdp: answering.sdp },
        }),
      );

      if (ourOfferWins) {
        // Our answering link is dropped before it was handed out (no onLinkClosed for it).
        await until(() => answering.pc.connectionState === 'connected' && f.side.got.some(isOpen));
        expect(f.side.got.find(isOpen)?.link.initiator).toBe(true);
        expect(f.side.warnings).toEqual([]);
      } else {
        expect(f.side.closed.map((c) => [c.link.initiator, c.reason])).toEqual([
          [true, 'duplicate peer'],
        ]);
        const answer = socket.sent[1]?.answer as { sdp: string };
        await offering.pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
        await until(() => f.side.got.some(isOpen));
        expect(f.side.got.find(isOpen)?.link.initiator).toBe(false);
        expect(f.side.warnings).toEqual([
          expect.stringMatching(/refused an answer from a peer already linked/),
        ]);
      }
      expect(f.side.tracker.links).toBe(1);
      expect(f.side.got.find(isOpen)?.link.remotePeerId).toBe('80'.repeat(20));
      // Linked now: a further offer from the same peer is not answered (no connection made).
      const pcs = f.pcs();
      socket.deliver(
        f.frame({
          peer_id: remote,
          offer_id: bin(randomId()),
          offer: { type: 'offer', sdp: offering.sdp },
        }),
      );
      expect([f.pcs(), f.side.tracker.links]).toEqual([pcs, 1]);
    });
  }

  it('closes a link whose connection is not made in time after the answer', async () => {
    const f = fake({ offersPerAnnounce: 1, connectTimeoutMs: 500 });
    const socket = f.sockets[0]!;
    socket.open();
    await until(() => socket.sent.length === 1);
    const [sent] = offersIn(socket.sent[0]);
    const answer = await remoteAnswer(sent!.offer.sdp);
    answer.pc.close(); // the remote vanishes after answering
    socket.deliver(
      f.frame({
        peer_id: bin(randomId()),
        offer_id: sent!.offer_id,
        answer: { type: 'answer', sdp: answer.sdp },
      }),
    );
    await until(() => f.side.closed.length === 1);
    expect(f.side.closed[0]?.reason).toBe('connect timed out');
    expect(f.side.tracker.links).toBe(0);
  });

  it('re-announces on the interval, reconnects after a drop, and says stopped on close', async () => {
    const f = fake({ offersPerAnnounce: 0, minAnnounceIntervalMs: 50, reconnectDelayMs: 50 });
    const first = f.sockets[0]!;
    first.open();
    await until(() => first.sent.length === 1);
    first.deliver(f.frame({ interval: 0.001, complete: 0, incomplete: 1 }));
    await until(() => first.sent.length === 3);
    expect(first.sent.map((m) => m.event)).toEqual(['started', undefined, undefined]);

    first.drop();
    await until(() => f.sockets.length === 2);
    const second = f.sockets[1]!;
    second.open();
    await until(() => second.sent.length === 1);
    expect(second.sent[0]?.event).toBe('started');

    f.side.tracker.close();
    expect(second.sent.at(-1)).toMatchObject({ event: 'stopped', peer_id: bin(f.side.peerId) });
    expect(second.sent.at(-1)).not.toHaveProperty('offers');
    expect(second.readyState).toBe(3);
    expect(f.side.warnings).toEqual([]);
  });
});
