/**
 * The share's network: a swarm (TCP and uTP on one port, PEX) fed by every discovery source the
 * command line enables — `--peer` addresses (dialled and kept dialling), the Mainline DHT, HTTP/
 * UDP trackers and LAN discovery — and, given a WebRTC implementation, the WebRTC peers that
 * WebSocket trackers introduce (the bridge: webrtc.ts). Discovery trouble is a warning, never
 * fatal; only a port we cannot listen on stops the share.
 */
import type { Role } from '../core/capability';
import type { SessionStats } from '../core/session';
import { startDht } from '../net/dht';
import type { Discovery, PeerAddress } from '../net/discovery';
import { startLsd } from '../net/lsd';
import { startSwarm } from '../net/node-swarm';
import type { AttachSession } from '../net/stream-peer';
import type { PeerInfo, Swarm } from '../net/swarm';
import { startTrackers } from '../net/trackers';
import { webRtcBridge, type WebRtcBridge } from '../net/webrtc';
import { runtimeError } from './errors';

export interface PeerSummary {
  readonly role: Role | null;
  /** `host:port`; null for a WebRTC peer whose remote end is unknown. */
  readonly address: string | null;
  readonly transport: string;
  readonly stats: SessionStats | undefined;
}

export type NetworkEvent =
  | { readonly event: 'listening'; readonly port: number }
  | ({ readonly event: 'peer'; readonly action: 'connected' } & PeerSummary)
  | ({ readonly event: 'peer'; readonly action: 'left'; readonly reason: string } & PeerSummary)
  | {
      readonly event: 'dial-failed';
      readonly address: string;
      readonly source: string;
      readonly reason: string;
      /** When the next try is due; null when the address is given up (or avoided). */
      readonly retryMs: number | null;
    }
  | { readonly event: 'warning'; readonly message: string };

export interface NetworkOptions {
  /** The share's discovery key (the swarm's infohash). */
  readonly infoHash: Uint8Array;
  /** Makes the started session for a connected peer (engine.connect). */
  readonly attach: AttachSession;
  /** The port to accept peers on (TCP and uTP); 0 picks a free one. */
  readonly port: number;
  /** False: no TCP or uTP at all (no listening, no dialling), WebRTC peers only. */
  readonly tcp: boolean;
  /**
   * The WebRTC implementation for ws(s):// trackers (picked by the entry point: DESIGN.md
   * section 1); without it those trackers are skipped with a warning.
   */
  readonly wrtc?: unknown;
  /** RTCPeerConnection configuration (ICE servers) for WebRTC peers. */
  readonly rtcConfig?: unknown;
  /** The address to listen on (default all IPv4 interfaces). */
  readonly host?: string;
  /** Peers to dial and keep dialling. */
  readonly peers: readonly PeerAddress[];
  readonly trackers: readonly string[];
  readonly dht: boolean;
  /** DHT nodes to join through (a private DHT); the public routers when absent. */
  readonly dhtBootstrap?: readonly string[];
  readonly lsd: boolean;
  /** LAN discovery's multicast port and interfaces (BEP 14 defaults when absent). */
  readonly lsdPort?: number;
  readonly lsdInterfaces?: readonly string[];
  readonly onEvent: (event: NetworkEvent) => void;
  /** Called once the port is bound, before any peer is dialled or accepted. */
  readonly onReady?: (network: Network) => void;
}

export interface Network {
  /** The TCP/uTP port; 0 without TCP. */
  readonly port: number;
  /** Every connection, handshaking or open. */
  peers(): PeerInfo[];
  /** Stops discovery (trackers hear `stopped`), drops every peer, releases the port. */
  close(): Promise<void>;
}

/** How often `--peer` addresses are handed to the swarm again, so they are never forgotten. */
const MANUAL_REFRESH_MS = 30_000;

export const formatAddress = (p: PeerAddress): string =>
  p.host.includes(':') ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`;

const summary = (peer: PeerInfo): PeerSummary => ({
  role: peer.role ?? null,
  address:
    peer.host === undefined || peer.port === undefined
      ? null
      : formatAddress({ host: peer.host, port: peer.port }),
  transport: peer.transport,
  stats: peer.stats,
});

export async function startNetwork(options: NetworkOptions): Promise<Network> {
  const { onEvent } = options;
  const warn = (message: string): void => onEvent({ event: 'warning', message });
  let swarm: Swarm;
  try {
    swarm = await startSwarm({
      infoHash: options.infoHash,
      attach: options.attach,
      port: options.port,
      host: options.host ?? '0.0.0.0',
      transports: options.tcp ? ['tcp', 'utp'] : [],
      onWarning: warn,
      onPeersChanged: (e) => {
        if (e.type === 'connected') {
          onEvent({ event: 'peer', action: 'connected', ...summary(e.peer) });
        } else if (e.type === 'disconnected') {
          onEvent({ event: 'peer', action: 'left', reason: e.reason, ...summary(e.peer) });
        } else {
          onEvent({
            event: 'dial-failed',
            address: formatAddress(e),
            source: e.source,
            reason: e.reason,
            retryMs: e.retryMs ?? null,
          });
        }
      },
    });
  } catch (e) {
    throw listenError(e, options);
  }
  if (options.tcp) onEvent({ event: 'listening', port: swarm.port });
  let discoveries: Discovery[] = [];
  let refresh: ReturnType<typeof setInterval> | undefined;
  const bridge = options.wrtc === undefined ? undefined : webRtcBridge({ swarm });
  const network: Network = {
    port: swarm.port,
    peers: () => swarm.peers(),
    close: async () => {
      clearInterval(refresh);
      await Promise.all(discoveries.map((d) => d.close().catch(() => undefined)));
      bridge?.close();
      await swarm.close();
    },
  };
  options.onReady?.(network);

  const addManual = (): void => {
    for (const peer of options.peers) swarm.addPeer(peer, 'manual');
  };
  addManual();
  if (options.peers.length > 0) refresh = setInterval(addManual, MANUAL_REFRESH_MS);
  discoveries = await startDiscovery(options, swarm, bridge, warn);
  return network;
}

/** Starts each enabled discovery source; one that cannot start is a warning, not a failure. */
async function startDiscovery(
  options: NetworkOptions,
  swarm: Swarm,
  bridge: WebRtcBridge | undefined,
  warn: (message: string) => void,
): Promise<Discovery[]> {
  const common = {
    infoHash: options.infoHash,
    port: swarm.port,
    onPeer: swarm.addPeer,
    onWarning: warn,
  };
  const starts: Promise<Discovery>[] = [];
  if (options.trackers.length > 0) {
    starts.push(
      startTrackers({
        ...common,
        announce: options.trackers,
        ...(bridge && {
          wrtc: options.wrtc,
          onWebRtcPeer: bridge.onWebRtcPeer,
          wantWebRtcPeers: () => swarm.hasFreeSlot(),
          rtcConfig: options.rtcConfig,
        }),
      }),
    );
  }
  if (options.dht) {
    starts.push(startDht({ ...common, bootstrap: options.dhtBootstrap }));
  }
  if (options.lsd) {
    starts.push(
      startLsd({ ...common, lsdPort: options.lsdPort, interfaces: options.lsdInterfaces }),
    );
  }
  const names = [
    ...(options.trackers.length > 0 ? ['trackers'] : []),
    ...(options.dht ? ['DHT'] : []),
    ...(options.lsd ? ['LAN discovery'] : []),
  ];
  const results = await Promise.allSettled(starts);
  const started: Discovery[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') started.push(r.value);
    else
      warn(
        `${names[i]} not started: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`,
      );
  });
  return started;
}

function listenError(e: unknown, options: NetworkOptions): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return runtimeError(`port ${options.port} is in use`);
  if (code === 'EACCES') return runtimeError(`port ${options.port} needs more privileges`);
  if (code === 'EADDRNOTAVAIL') return runtimeError(`cannot listen on ${options.host}`);
  return e;
}
