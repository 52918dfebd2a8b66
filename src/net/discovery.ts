/**
 * What every way of finding peers has in common (DHT, trackers, LAN discovery, peer exchange,
 * `--peer`): it is started for one swarm (the share's discovery key as infohash, the port we
 * accept on) and reports candidate addresses. Reporting an address is not trusting it: the
 * swarm dials it and the capability proof decides.
 */

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** Called with a candidate and the name of the source that found it ('dht', 'tracker', ...). */
export type OnPeer = (peer: PeerAddress, source: string) => void;

export interface DiscoveryOptions {
  /** The share's 20-byte discovery key: the only thing a discovery service ever learns. */
  readonly infoHash: Uint8Array;
  /** The port this peer accepts connections on (TCP and uTP). */
  readonly port: number;
  readonly onPeer: OnPeer;
  /** Non-fatal trouble (a tracker unreachable, a DHT error), for status and logs. */
  readonly onWarning?: (message: string) => void;
}

export interface Discovery {
  /** 'dht', 'tracker', 'lsd', ... */
  readonly name: string;
  /** Stops announcing and looking up; idempotent. */
  close(): Promise<void>;
}

/** A valid unicast port and a host that is not obviously unusable; untrusted input passes here. */
export function isDialable(peer: PeerAddress): boolean {
  return (
    Number.isInteger(peer.port) &&
    peer.port > 0 &&
    peer.port < 65536 &&
    typeof peer.host === 'string' &&
    peer.host.length > 0 &&
    peer.host.length <= 253 &&
    peer.host !== '0.0.0.0' &&
    peer.host !== '::'
  );
}
