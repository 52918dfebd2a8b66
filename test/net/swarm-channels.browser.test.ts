/**
 * The Swarm in a real browser (Chromium), as the app's engine worker runs it: no socket
 * transports, peers only through WebRTC data channels handed to `adoptStream`. Two ShareEngines
 * in one page, each with its own swarm, joined by real RTCPeerConnection pairs (simple-peer
 * instances signalling each other directly) wrapped by channelByteStream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createShare, discoveryKey, type Capability } from '../../src/core/capability';
import type { ShareEngine } from '../../src/engine/share';
import { channelByteStream } from '../../src/net/channel-stream';
import { Swarm, type PeerEvent } from '../../src/net/swarm';
import type { MemoryDrive } from '../../src/storage/memory-drive';
import { peerPair } from './simple-peer-pair';
import { put, snapshot, memoryPeer } from '../engine/fixture';

interface Node {
  engine: ShareEngine;
  drive: MemoryDrive;
  swarm: Swarm;
  events: PeerEvent[];
  warnings: string[];
}

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0)) await clean();
});

async function node(cap: Capability, files: Record<string, Uint8Array> = {}): Promise<Node> {
  const { engine, drive } = await memoryPeer(cap, files);
  const events: PeerEvent[] = [];
  const warnings: string[] = [];
  const swarm = await Swarm.start({
    infoHash: discoveryKey(cap),
    attach: (send, sessionEvents) => engine.connect(send, sessionEvents),
    transports: [],
    pex: false,
    onPeersChanged: (e) => events.push(e),
    onWarning: (w) => warnings.push(w),
  });
  cleanups.push(() => swarm.close());
  return { engine, drive, swarm, events, warnings };
}

/** A data channel pair between two swarms: `a` made the offer, so it is the initiator. */
async function join(a: Node, b: Node): Promise<{ closed: () => boolean }> {
  const [pa, pb] = await peerPair((pair) => cleanups.push(() => pair.forEach((p) => p.destroy())));
  const sa = channelByteStream(pa);
  const sb = channelByteStream(pb);
  let closedStreams = 0;
  for (const s of [sa, sb]) s.on('close', () => closedStreams++);
  expect(a.swarm.adoptStream(sa, 'webrtc', 'out')).toBe(true);
  expect(b.swarm.adoptStream(sb, 'webrtc', 'in')).toBe(true);
  return { closed: () => closedStreams === 2 };
}

async function until(check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const same = async (a: Node, b: Node): Promise<boolean> =>
  JSON.stringify(await snapshot(a.drive)) === JSON.stringify(await snapshot(b.drive));

describe('Swarm over browser data channels', () => {
  it('syncs two swarms over WebRTC, refuses a second connection between them, and closes', async () => {
    expect(typeof RTCPeerConnection).toBe('function');
    const cap = createShare();
    const big = new Uint8Array(700_000).map((_, i) => (i * 31 + (i >> 9)) % 251);
    const a = await node(cap, {
      'docs/one.txt': new TextEncoder().encode('one'),
      'big.bin': big,
      'empty.txt': new Uint8Array(0),
    });
    const b = await node(cap);
    // Random peer ids, from the page's crypto.getRandomValues.
    expect(a.swarm.peerId).toMatch(/^[0-9a-f]{40}$/);
    expect(a.swarm.peerId).not.toBe(b.swarm.peerId);
    expect(a.swarm.port).toBe(0);
    expect(a.swarm.addPeer({ host: '10.0.0.1', port: 6881 }, 'manual')).toBe('no-transport');

    const first = await join(a, b);
    const want = await snapshot(a.drive);
    expect(Object.keys(want)).toEqual(['big.bin', 'docs', 'docs/one.txt', 'empty.txt']);
    await until(() => same(a, b));
    expect(await snapshot(b.drive)).toEqual(want);
    const open = (n: Node) => n.swarm.peers().filter((p) => p.state === 'open');
    await until(() => open(a).length === 1 && open(b).length === 1);
    expect(a.swarm.peers()).toMatchObject([
      { transport: 'webrtc', direction: 'out', state: 'open', peerId: b.swarm.peerId },
    ]);
    expect(b.swarm.peers()).toMatchObject([
      { transport: 'webrtc', direction: 'in', state: 'open', peerId: a.swarm.peerId },
    ]);
    const connected = (n: Node) => n.events.filter((e) => e.type === 'connected');
    expect(connected(a)).toMatchObject([{ peer: { transport: 'webrtc', peerId: b.swarm.peerId } }]);
    expect(connected(b)).toMatchObject([{ peer: { transport: 'webrtc', peerId: a.swarm.peerId } }]);

    // A second data channel between the same two swarms: taken, then refused as a duplicate
    // once the peer ids are known. The proven first connection stays.
    const second = await join(a, b);
    await until(second.closed);
    expect(first.closed()).toBe(false);
    await until(() => a.swarm.peers().length === 1 && b.swarm.peers().length === 1);
    expect(open(a)).toHaveLength(1);
    expect(open(b)).toHaveLength(1);
    expect([...a.events, ...b.events].map((e) => e.type)).toEqual(['connected', 'connected']);

    // The first connection still carries changes.
    await put(a.drive, 'docs/later.txt', new TextEncoder().encode('after the duplicate'));
    await a.engine.sync();
    await until(async () => (await snapshot(b.drive))['docs/later.txt'] !== undefined);
    await until(() => same(a, b));

    await a.swarm.close();
    expect(a.swarm.peers()).toEqual([]);
    await until(() => b.events.some((e) => e.type === 'disconnected'));
    expect(b.events.filter((e) => e.type === 'disconnected')).toMatchObject([
      { peer: { transport: 'webrtc', peerId: a.swarm.peerId }, kind: 'closed' },
    ]);
    await until(() => b.swarm.peers().length === 0);
    expect(first.closed()).toBe(true);
    expect(a.swarm.hasFreeSlot()).toBe(false);
    expect([...a.warnings, ...b.warnings]).toEqual([]);
  });

  it('refuses socket transports without the sockets to provide them', async () => {
    const cap = createShare();
    const start = (transports: ('tcp' | 'utp')[]) =>
      Swarm.start({
        infoHash: discoveryKey(cap),
        attach: () => {
          throw new Error('no peer expected');
        },
        transports,
      });
    await expect(start(['tcp'])).rejects.toThrow(
      'net: transports tcp need SwarmOptions.sockets (node-swarm.ts)',
    );
    await expect(start(['tcp', 'utp'])).rejects.toThrow(/transports tcp, utp need/);
  });
});
