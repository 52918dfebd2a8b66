/**
 * Tracker discovery's WebRTC side against the real signaling server, over real WebRTC
 * (node-datachannel, as the CLI loads it): after a peer closes, the tracker is told again soon,
 * not at its interval of minutes, so a peer still there is met again.
 */
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { webRtcImplementation } from '../../src/cli/share-run';
import type { Discovery } from '../../src/net/discovery';
import { startTrackers } from '../../src/net/trackers';
import { startTestServer, type TestServer } from '../signaling/harness';
import { until } from '../helpers/pipe';

/** A simple-peer as the tracker client hands it out. */
type RtcPeer = Duplex & { connected: boolean };

const open: { discoveries: Discovery[]; servers: TestServer[] } = { discoveries: [], servers: [] };
afterEach(async () => {
  await Promise.all(open.discoveries.splice(0).map((d) => d.close()));
  await Promise.all(open.servers.splice(0).map((s) => s.server.close()));
});

interface Side {
  peers: RtcPeer[];
  connected: () => number;
  want: boolean;
}

async function side(url: string, infoHash: Uint8Array): Promise<Side> {
  const s: Side = { peers: [], connected: () => 0, want: true };
  let connected = 0;
  s.connected = () => connected;
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
      p.once('connect', () => connected++);
    },
    wantWebRtcPeers: () => s.want,
    reannounceAfterLossMs: 300,
  });
  open.discoveries.push(discovery);
  return s;
}

async function pair(): Promise<[Side, Side]> {
  const t = await startTestServer(); // clients are told to announce every 120 s
  open.servers.push(t);
  const infoHash = new Uint8Array(20).map((_, i) => i + 1);
  const a = await side(t.server.trackerUrl, infoHash);
  const b = await side(t.server.trackerUrl, infoHash);
  await until(() => a.connected() >= 1 && b.connected() >= 1, 30_000);
  return [a, b];
}

/** Closes every connection both sides have; resolves once all are closed. */
async function closeAll(a: Side, b: Side): Promise<void> {
  const all = [...a.peers, ...b.peers];
  for (const p of all) p.destroy();
  await until(() => all.every((p) => p.destroyed));
}

describe('tracker discovery over WebRTC', () => {
  it('meets a peer again within seconds after the connections to it closed', async () => {
    const [a, b] = await pair();
    await closeAll(a, b);
    const before = [a.connected(), b.connected()];
    // Well before the tracker's interval (120 s): each side announced again after the loss.
    await until(() => a.connected() > before[0]! && b.connected() > before[1]!, 20_000);
    expect(a.peers.some((p) => !p.destroyed && p.connected)).toBe(true);
  }, 60_000);

  it('does not announce again while no peer is wanted', async () => {
    const [a, b] = await pair();
    a.want = false;
    b.want = false;
    await closeAll(a, b);
    const seen = a.peers.length + b.peers.length;
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // ten times the delay
    expect(a.peers.length + b.peers.length).toBe(seen);
  }, 60_000);
});
