/** How a swarm is set up (see swarm.ts), and what `addPeer` answers. */
import type { AttachSession } from './stream-peer';
import type { PeerEvent } from './swarm-peers';
import type { SocketTransports, TransportName } from './transport';

export interface SwarmOptions {
  /** The share's 20-byte discovery key. */
  readonly infoHash: Uint8Array;
  /** Makes the started session for a connected peer, e.g. engine.connect. */
  readonly attach: AttachSession;
  /** TCP and uTP listen port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** The address to listen on; '0.0.0.0' (all IPv4 interfaces: uTP is IPv4 only) by default. */
  readonly host?: string;
  /** Connections (in and out, open or handshaking) at most; 50 by default. */
  readonly maxPeers?: number;
  /** Our 20-byte BitTorrent peer id; random by default. */
  readonly peerId?: Uint8Array;
  /**
   * Which transports to listen on and dial, in dial order; both by default when `sockets` are
   * given, else none. None: the swarm neither listens nor dials and takes only the streams given
   * to `adoptStream` (WebRTC).
   */
  readonly transports?: readonly TransportName[];
  /**
   * The socket transports behind `transports` (Node's TCP and uTP: node-swarm.ts); required
   * when `transports` is not empty. None in a browser.
   */
  readonly sockets?: SocketTransports;
  /** Peer exchange with proven peers; on by default. */
  readonly pex?: boolean;
  /** The clock for backoff, avoidance and PEX rate limits; Date.now by default. */
  readonly now?: () => number;
  /** How long a misbehaving peer's address is avoided; 10 minutes by default. */
  readonly avoidMs?: number;
  /** Give up a TCP or uTP connect after this long; 8 s by default. */
  readonly connectTimeoutMs?: number;
  /**
   * Drop a peer that has not finished both BitTorrent handshakes in this long; 10 s by default.
   * The capability proof after them is timed by the session (ticked by the swarm).
   */
  readonly handshakeTimeoutMs?: number;
  /** Non-fatal trouble (uTP cannot bind, a callback threw). */
  readonly onWarning?: (message: string) => void;
  /** A peer proved the share, a proven peer left, or a dial failed. */
  readonly onPeersChanged?: (event: PeerEvent) => void;
}

/**
 * What `addPeer` did with an address: dialling it now, queued (waits for a free slot or the end
 * of its backoff), already connected or being dialled, avoided, invalid, dropped (the address
 * book is full), the swarm dials nothing (no transports), or the swarm is closed.
 */
export type AddResult =
  'dialing' | 'queued' | 'already' | 'avoided' | 'invalid' | 'dropped' | 'no-transport' | 'closed';
