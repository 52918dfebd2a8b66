/**
 * The Peerfold wire in a real browser: two ShareEngines in one Chromium page, joined by a real
 * RTCPeerConnection pair (two simple-peer instances signalling each other directly, no tracker),
 * each data channel wrapped by channelByteStream and piped through a BitTorrent wire by
 * attachStream, exactly as a Node peer does with a TCP socket; then two engines that meet through
 * the project's signaling server with bittorrent-tracker's client running in the page.
 */
import Client from 'bittorrent-tracker/client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createShare, discoveryKey, type Capability } from '../../src/core/capability';
import type { ShareEngine } from '../../src/engine/share';
import { channelByteStream } from '../../src/net/channel-stream';
import type { EndKind } from '../../src/net/extension';
import { attachStream, type ByteStream } from '../../src/net/stream-peer';
import type { WebRtcPeer } from '../../src/net/channel-stream';
import type { MemoryDrive } from '../../src/storage/memory-drive';
import { snapshot, memoryPeer } from '../engine/fixture';
import { peerPair } from './simple-peer-pair';

interface Node {
  engine: ShareEngine;
  drive: MemoryDrive;
  ends: { reason: string; kind: EndKind }[];
  opened: boolean;
}

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((clean) => clean()));

async function node(cap: Capability, files: Record<string, Uint8Array> = {}): Promise<Node> {
  const { engine, drive } = await memoryPeer(cap, files);
  return { engine, drive, ends: [], opened: false };
}

function attach(n: Node, cap: Capability, stream: ByteStream, initiator: boolean) {
  return attachStream(
    stream,
    {
      infoHash: discoveryKey(cap),
      attach: (send, events) => n.engine.connect(send, events),
      onOpen: () => (n.opened = true),
      onEnd: (reason, kind) => n.ends.push({ reason, kind }),
    },
    initiator,
  );
}

async function until(check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Peerfold wire over a browser data channel', () => {
  it('syncs a folder byte for byte between two engines in the page', async () => {
    expect(typeof RTCPeerConnection).toBe('function');
    const cap = createShare();
    const big = new Uint8Array(1_500_000).map((_, i) => (i * 31 + (i >> 9)) % 251);
    const a = await node(cap, {
      'docs/one.txt': new TextEncoder().encode('one'),
      'big.bin': big,
      'empty.txt': new Uint8Array(0),
    });
    const b = await node(cap);
    const [pa, pb] = await peerPair((pair) =>
      cleanups.push(() => pair.forEach((p) => p.destroy())),
    );
    attach(a, cap, channelByteStream(pa), true);
    attach(b, cap, channelByteStream(pb), false);

    const want = await snapshot(a.drive);
    expect(Object.keys(want)).toEqual(['big.bin', 'docs', 'docs/one.txt', 'empty.txt']);
    await until(async () => JSON.stringify(await snapshot(b.drive)) === JSON.stringify(want));
    expect(await snapshot(b.drive)).toEqual(want);
    expect(a.opened && b.opened).toBe(true);
    expect([...a.ends, ...b.ends]).toEqual([]);
  });

  it('ends the session on both sides when one peer connection closes', async () => {
    const cap = createShare();
    const a = await node(cap, { 'x.txt': new TextEncoder().encode('x') });
    const b = await node(cap);
    const [pa, pb] = await peerPair((pair) =>
      cleanups.push(() => pair.forEach((p) => p.destroy())),
    );
    const attachedA = attach(a, cap, channelByteStream(pa), true);
    attach(b, cap, channelByteStream(pb), false);
    await until(() => a.opened && b.opened);
    // simple-peer's 'disconnect' comes as it closes the RTCPeerConnection. (Its `destroyed`
    // stays false on the side the remote end closed: it tears itself down without streamx.)
    let disconnected = 0;
    for (const p of [pa, pb]) p.once('disconnect', () => disconnected++);

    attachedA.destroy('test closes it');
    await until(() => a.ends.length === 1 && b.ends.length === 1);
    expect(a.ends).toEqual([{ reason: 'test closes it', kind: 'closed' }]);
    expect(b.ends[0]?.kind).toBe('closed');
    await until(() => disconnected === 2);
  });

  it('meets a peer through the signaling server with the tracker client in the page', async () => {
    const cap = createShare();
    const a = await node(cap, { 'a/b.txt': new TextEncoder().encode('through the tracker') });
    const b = await node(cap);
    const warnings: string[] = [];
    const clients = [a, b].map((n) => {
      const client = new Client({
        infoHash: discoveryKey(cap),
        peerId: crypto.getRandomValues(new Uint8Array(20)),
        announce: [inject('signalingTrackerUrl')],
        port: 1, // never sent by WebSocket announces
        // A leecher, so the tracker introduces the peers to each other (DESIGN.md section 11).
        getAnnounceOpts: () => ({ uploaded: 0, downloaded: 0, left: 16_384 }),
      });
      client.on('warning', (e) => warnings.push(String(e)));
      client.on('error', (e) => warnings.push(String(e)));
      client.on('peer', (peer) => {
        if (typeof peer === 'string') return; // addresses come from HTTP/UDP trackers only
        const p = peer as unknown as WebRtcPeer;
        p.on('error', () => undefined); // its end reaches attachStream as a close
        cleanups.push(() => p.destroy());
        p.once('connect', () => attach(n, cap, channelByteStream(p), p.initiator));
      });
      client.start();
      return client;
    });
    cleanups.push(() => clients.forEach((c) => c.destroy()));

    const want = await snapshot(a.drive);
    await until(async () => JSON.stringify(await snapshot(b.drive)) === JSON.stringify(want));
    expect(await snapshot(b.drive)).toEqual(want);
    expect(a.opened && b.opened).toBe(true);
    expect(warnings).toEqual([]);
  });
});
