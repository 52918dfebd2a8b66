/**
 * Two simple-peer instances in one page, signalling each other directly (no tracker): a real
 * RTCPeerConnection pair for the browser network tests. The caller destroys them (`onMade`).
 */
// @ts-expect-error -- simple-peer ships no types; the tests see it through SignallingPeer.
import SimplePeer from '@thaunknown/simple-peer/lite.js';
import type { WebRtcPeer } from '../../src/net/channel-stream';

export type SignallingPeer = WebRtcPeer & {
  signal(data: unknown): void;
  on(event: 'signal', listener: (data: unknown) => void): unknown;
};
type PeerClass = new (options: { initiator: boolean }) => SignallingPeer;
export const Peer = SimplePeer as unknown as PeerClass;

/** A connected pair (`a` made the offer); resolves once both channels are open. */
export async function peerPair(
  onMade: (pair: [SignallingPeer, SignallingPeer]) => void,
): Promise<[SignallingPeer, SignallingPeer]> {
  const a = new Peer({ initiator: true });
  const b = new Peer({ initiator: false });
  onMade([a, b]);
  a.on('signal', (data) => b.signal(data));
  b.on('signal', (data) => a.signal(data));
  // Nothing may be written before both channels are open (DESIGN.md section 11).
  const connected = (p: SignallingPeer) =>
    new Promise<void>((resolve, reject) => {
      p.once('connect', resolve);
      p.on('error', reject);
    });
  await Promise.all([connected(a), connected(b)]);
  return [a, b];
}
