/**
 * Node's WebRTC (simple-peer over webrtc-polyfill, as bittorrent-tracker uses it: no trickle)
 * sends its offer and answer once gathering is complete, not on simple-peer's 5 s fallback
 * timer, which announces itself with an `iceTimeout` event. Real peer connections on loopback.
 * The patch reaches simple-peer only while both use the one installed webrtc-polyfill: were
 * simple-peer given a copy of its own, this test would fail.
 */
// @ts-expect-error -- simple-peer ships no types; the test sees it through TestPeer.
import SimplePeer from '@thaunknown/simple-peer/lite.js';
import { RTCPeerConnection } from 'webrtc-polyfill';
import { afterEach, describe, expect, it } from 'vitest';
import { sendEndOfCandidates } from '../../src/net/gathering-complete';

interface TestPeer {
  signal(data: unknown): void;
  destroy(): void;
  on(event: 'signal', listener: (data: { type: string; sdp: string }) => void): unknown;
  on(event: 'iceTimeout' | 'connect', listener: () => void): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
}
const Peer = SimplePeer as unknown as new (o: { initiator: boolean; trickle: boolean }) => TestPeer;

const made: TestPeer[] = [];
afterEach(() => {
  for (const p of made.splice(0)) p.destroy();
});

describe('sendEndOfCandidates', () => {
  it('lets a non-trickle offer and answer go out with their candidates, before any ICE timeout', async () => {
    sendEndOfCandidates(RTCPeerConnection);
    sendEndOfCandidates(RTCPeerConnection); // a second call changes nothing
    const a = new Peer({ initiator: true, trickle: false });
    const b = new Peer({ initiator: false, trickle: false });
    made.push(a, b);
    const timeouts: string[] = [];
    const sdps: string[] = [];
    for (const [name, p] of [['offer', a] as const, ['answer', b] as const]) {
      p.on('iceTimeout', () => timeouts.push(name));
      p.on('error', (e) => timeouts.push(`${name} error: ${e.message}`));
    }
    a.on('signal', (s) => {
      sdps.push(s.sdp);
      b.signal(s);
    });
    b.on('signal', (s) => {
      sdps.push(s.sdp);
      a.signal(s);
    });
    // Connected means each side's description carried usable candidates.
    await Promise.all([a, b].map((p) => new Promise<void>((r) => p.on('connect', r))));
    expect(timeouts).toEqual([]);
    expect(sdps).toHaveLength(2);
    for (const sdp of sdps) {
      expect(sdp).toMatch(/a=candidate:/);
      expect(sdp).toMatch(/a=end-of-candidates/);
    }
  });
});
