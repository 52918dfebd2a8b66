/**
 * Tracker discovery's WebRTC side against the real signaling server, over real WebRTC
 * (node-datachannel, as the CLI loads it): a peer that closes before it connected (a failed
 * setup) makes the tracker be told again soon, not at its interval of minutes; a connected peer
 * that closes does not (the swarm refuses duplicates, which would otherwise repeat).
 */
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { webRtcImplementation } from '../../src/cli/share-run';
import type { Discovery } from '../../src/net/discovery';
import { startTrackers } from '../../src/net/trackers';
import { until } from '../helpers/pipe';
import { startTestServer, type TestServer } from '../signaling/harness';

/** A simple-peer as the tracker client hands it out. */
type RtcPeer = Duplex & { connected: boolean };

const open: { discoveries: Discovery[]; servers: TestServer[] } = { discoveries: [], servers: [] };
afterEach(async () => {
  await Promise.all(open.discoveries.splice(0).map((d) => d.close()));
  await Promise.all(open.servers.splice(0).map((s) => s.server.close()));
});

interface Side {
  readonly peers: RtcPeer[];
  connected: number;
  /** Peers are destroyed as they are handed over, before they connect (a failed setup). */
  failing: boolean;
  want: boolean;
}

async function side(url: string, infoHash: Uint8Array, failing = false): Promise<Side> {
  const s: Side = { peers: [], connected: 0, failing, want: true };
  const discovery = await startTrackers({
    announce: [url],
    infoHash,
    port: 0,
    onPeer: () => {},
    wrtc: await webRtcImplementation([url]),
    onWebRtcPeer: (peer) => {
      const p = peer as RtcPeer;
      s.peers.push(p);
      p.on('error', () => {});
      p.once('connect', () => s.connected++);
      if (s.failing) p.destroy();
    },
    wantWebRtcPeers: () => s.want,
    reannounceAfterLossMs: 300,
  });
  open.discoveries.push(discovery);
  return s;
}

/** Two sides on a fresh tracker (which tells clients to announce every 120 s). */
async function sides(aFailing: boolean): Promise<[Side, Side]> {
  const t = await startTestServer();
  open.servers.push(t);
  const infoHash = new Uint8Array(20).map((_, i) => i + 1);
  return [
    await side(t.server.trackerUrl, infoHash, aFailing),
    await side(t.server.trackerUrl, infoHash),
  ];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('tracker discovery over WebRTC', () => {
  it('announces again soon after a peer closed before connecting, and then connects', async () => {
    const [a, b] = await sides(true);
    await until(() => a.peers.length >= 1);
    await sleep(1_000); // every peer of the first announces has failed by now
    a.failing = false;
    // Well before the tracker's interval (120 s): only a new announce brings new offers.
    await until(() => a.connected >= 1 && b.connected >= 1, 20_000);
  }, 60_000);

  it('does not announce again after a failed setup while no peer is wanted', async () => {
    const [a, b] = await sides(true);
    a.want = false;
    b.want = false;
    await until(() => a.peers.length >= 1);
    const seen = a.peers.length + b.peers.length;
    await sleep(3_000); // ten times the delay
    expect(a.peers.length + b.peers.length).toBe(seen);
    expect(a.connected + b.connected).toBe(0);
  }, 60_000);

  it('does not announce again after a connected peer closed', async () => {
    const [a, b] = await sides(false);
    await until(() => a.connected >= 1 && b.connected >= 1, 30_000);
    const all = [...a.peers, ...b.peers];
    for (const p of all) p.destroy();
    await until(() => all.every((p) => p.destroyed));
    const seen = a.peers.length + b.peers.length;
    await sleep(3_000);
    expect(a.peers.length + b.peers.length).toBe(seen);
  }, 60_000);
});
