/**
 * Makes Node's peer connections end their ICE candidates as browsers do. simple-peer, which
 * bittorrent-tracker uses without trickle, sends an offer or answer once it sees the
 * end-of-candidates event (an `icecandidate` event with no candidate) or, failing that, 5 s
 * after the first candidate. webrtc-polyfill (simple-peer's RTCPeerConnection in Node, over
 * libdatachannel) never sends that event, so every offer and every answer waited the full 5 s:
 * a Node peer took about 11 s to connect over WebRTC. Patched here, the event follows as soon as
 * gathering is complete: the local description then holds every candidate (libdatachannel
 * writes them, and `a=end-of-candidates`, into it), which is what simple-peer sends.
 */

/** What is used of an RTCPeerConnection here. */
interface PeerConnection extends EventTarget {
  readonly iceGatheringState: RTCIceGatheringState;
  readonly connectionState: RTCPeerConnectionState;
  setLocalDescription: (this: PeerConnection, ...args: unknown[]) => Promise<void>;
  [mark: symbol]: unknown;
}
type PeerConnectionClass = abstract new (...args: never[]) => unknown;

const PATCHED = Symbol.for('peerfold.endOfCandidates');
const ENDING = Symbol.for('peerfold.endOfCandidates.pc');

/** Patches `Class` (once) so that each of its instances sends the end-of-candidates event. */
export function sendEndOfCandidates(Class: PeerConnectionClass): void {
  const proto = Class.prototype as PeerConnection;
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  // Always called with an instance as `this`, as the original is.
  const setLocal = proto.setLocalDescription;
  proto.setLocalDescription = async function (
    this: PeerConnection,
    ...args: unknown[]
  ): Promise<void> {
    await setLocal.apply(this, args);
    endWhenGathered(this);
  };
}

/** Sends the end-of-candidates event once `pc`'s gathering is complete (now or later), once. */
function endWhenGathered(pc: PeerConnection): void {
  if (pc[ENDING]) return;
  pc[ENDING] = true;
  const events = ['icegatheringstatechange', 'icecandidate'] as const;
  const check = (): void => {
    if (pc.iceGatheringState !== 'complete') return;
    for (const e of events) pc.removeEventListener(e, check);
    // Dispatched from a task of its own: never inside another listener of the same events.
    setTimeout(() => {
      if (pc.connectionState === 'closed') return;
      pc.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: null }));
    }, 0);
  };
  for (const e of events) pc.addEventListener(e, check);
  check();
}
