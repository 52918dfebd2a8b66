/**
 * The WebRTC side of the bridge: WebSocket trackers (trackers.ts, given a WebRTC implementation
 * by the entry point) hand over WebRTC peers still negotiating; this waits until the data channel
 * is open (writing before the remote side's channel is open closes it: DESIGN.md section 11),
 * then gives the peer to the swarm as a 'webrtc' connection. The side that made the offer is the
 * BitTorrent initiator. Negotiating peers are bounded, and none is taken while the swarm is full.
 */
import type { Duplex } from 'node:stream';
import type { PeerAddress } from './discovery';
import type { Swarm } from './swarm';
import { channelByteStream, type WebRtcPeer } from './channel-stream';

/** A peer whose data channel is not open this long after it was handed over is dropped. */
export const WEBRTC_CONNECT_TIMEOUT_MS = 30_000;
/** Peers negotiating at once, at most; more are dropped at once (a tracker may flood us). */
export const MAX_NEGOTIATING = 16;

export interface WebRtcBridgeOptions {
  readonly swarm: Pick<Swarm, 'adoptStream' | 'hasFreeSlot'>;
  readonly connectTimeoutMs?: number;
  readonly maxNegotiating?: number;
}

export interface WebRtcBridge {
  /** The `onWebRtcPeer` sink for startTrackers. */
  readonly onWebRtcPeer: (peer: Duplex) => void;
  /** WebRTC peers the swarm took so far (for logs and tests). */
  readonly adopted: number;
  /** Drops the peers still negotiating; adopted ones belong to the swarm. */
  close(): void;
}

export function webRtcBridge(options: WebRtcBridgeOptions): WebRtcBridge {
  const timeoutMs = options.connectTimeoutMs ?? WEBRTC_CONNECT_TIMEOUT_MS;
  const maxNegotiating = options.maxNegotiating ?? MAX_NEGOTIATING;
  const negotiating = new Set<WebRtcPeer>();
  let adopted = 0;
  let closed = false;

  const take = (duplex: Duplex): void => {
    const peer = duplex as unknown as WebRtcPeer;
    // An error before or after connect must never reach the process as an unhandled 'error'.
    peer.on('error', () => undefined);
    if (closed || negotiating.size >= maxNegotiating || !options.swarm.hasFreeSlot()) {
      peer.destroy();
      return;
    }
    negotiating.add(peer);
    const timer = setTimeout(() => peer.destroy(), timeoutMs);
    const settle = (): void => {
      clearTimeout(timer);
      negotiating.delete(peer);
    };
    peer.once('close', settle);
    peer.once('connect', () => {
      settle();
      if (closed) return peer.destroy();
      const remote: PeerAddress | undefined =
        peer.remoteAddress && peer.remotePort
          ? { host: peer.remoteAddress, port: peer.remotePort }
          : undefined;
      const direction = peer.initiator ? 'out' : 'in';
      if (options.swarm.adoptStream(channelByteStream(peer), 'webrtc', direction, remote))
        adopted++;
    });
  };

  return {
    onWebRtcPeer: take,
    get adopted() {
      return adopted;
    },
    close: () => {
      closed = true;
      for (const peer of negotiating) peer.destroy();
      negotiating.clear();
    },
  };
}
