/**
 * The swarm's record of one connection, what status output shows of it, and the rule that
 * keeps one connection per remote peer id.
 */
import type { Role } from '../core/capability';
import type { SessionStats } from '../core/session';
import type { PeerAddress } from './discovery';
import type { Attached, EndKind } from './extension';
import type { Candidate } from './peer-book';
import type { PexPeer } from './pex';
import type { PeerTransport } from './transport';

export interface Connection {
  readonly transport: PeerTransport;
  readonly direction: 'in' | 'out';
  /** 'incoming' for accepted peers, else the discovery source of the dialled address. */
  readonly source: string;
  /**
   * The remote end of the socket (for a dialled peer, the address dialled); for WebRTC, the
   * remote ICE candidate when known.
   */
  readonly remote: PeerAddress | undefined;
  /** The address book entry a dialled connection came from. */
  readonly candidate: Candidate | undefined;
  attached: Attached | undefined;
  /** The peer proved the share. */
  open: boolean;
  pex: PexPeer | undefined;
  pexTimer: ReturnType<typeof setInterval> | undefined;
}

export interface PeerInfo {
  /** The remote host; absent for a WebRTC peer whose ICE candidate is unknown. */
  readonly host?: string;
  /**
   * Where the peer accepts connections when known (dialled, or told in `p`), else its socket
   * port (for WebRTC always the data channel's remote port, when known).
   */
  readonly port?: number;
  readonly transport: PeerTransport;
  readonly source: string;
  readonly direction: 'in' | 'out';
  /** 'handshake' until the peer has proved the share. */
  readonly state: 'handshake' | 'open';
  /** Hex peer id from the BitTorrent handshake (random per run: not an identity). */
  readonly peerId?: string;
  /** The capability the peer claims (display only). */
  readonly role?: Role;
  readonly stats?: SessionStats;
}

export type PeerEvent =
  | { readonly type: 'connected'; readonly peer: PeerInfo }
  | {
      readonly type: 'disconnected';
      readonly peer: PeerInfo;
      readonly reason: string;
      readonly kind: EndKind;
    }
  | {
      readonly type: 'dial-failed';
      readonly host: string;
      readonly port: number;
      readonly source: string;
      readonly reason: string;
      /** When the next try is due, or undefined if the address was given up or avoided. */
      readonly retryMs: number | undefined;
    };

/**
 * Where a connected peer accepts connections, if known. Never for WebRTC: its `p` names a port
 * on a host we only know as an ICE candidate, so it is not dialled, deduplicated or passed on.
 */
export function listenAddress(c: Connection): PeerAddress | undefined {
  if (c.candidate) return c.candidate.address;
  const port = c.attached?.peerListenPort;
  if (c.transport === 'webrtc' || port === undefined || !c.remote) return undefined;
  return { host: c.remote.host, port };
}

export function peerInfo(c: Connection): PeerInfo {
  const listen = listenAddress(c);
  const session = c.attached?.session;
  const port = listen?.port ?? c.remote?.port;
  return {
    ...(c.remote && { host: c.remote.host }),
    ...(port !== undefined && { port }),
    transport: c.transport,
    source: c.source,
    direction: c.direction,
    state: c.open ? 'open' : 'handshake',
    ...(c.attached?.peerId !== undefined && { peerId: c.attached.peerId }),
    ...(session?.peerRole !== undefined && { role: session.peerRole }),
    ...(session && { stats: { ...session.stats } }),
  };
}

/**
 * Given a new connection whose peer id equals that of `existing`, which to drop. A proven
 * connection always stays: peer ids are visible to anyone who completes a BitTorrent handshake,
 * so a stranger claiming a connected peer's id must not push that peer out. Otherwise both ends
 * must agree, or crossed dials could drop both: with crossed directions the connection dialled
 * by the lower peer id stays; with the same direction the newer goes (its responder refuses it
 * before answering, so the dialler never sees it complete).
 */
export function duplicateLoser(
  incoming: Connection,
  existing: Connection,
  ourId: string,
  theirId: string,
): 'incoming' | 'existing' {
  if (existing.open || incoming.direction === existing.direction) return 'incoming';
  const dialler = (c: Connection): string => (c.direction === 'out' ? ourId : theirId);
  return dialler(incoming) < dialler(existing) ? 'existing' : 'incoming';
}
