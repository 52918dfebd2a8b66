/**
 * Tracker discovery (bittorrent-tracker's Client): announce the share's discovery key with our
 * port to HTTP(S), UDP and, when a WebRTC implementation is given, WebSocket trackers, again on
 * each tracker's interval (and to a WebSocket tracker soon after one of its peers failed to
 * connect), and report the peers they return. A bad URL fails at start; after
 * that a tracker's trouble is a warning. With only WebSocket trackers the port may be 0 (a peer
 * that accepts WebRTC only: those trackers never hand out addresses).
 */
import Client from 'bittorrent-tracker/client';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { PeerfoldError } from '../core/errors';
import type { Discovery, DiscoveryOptions } from './discovery';
import {
  checkDiscoveryOptions,
  errorText,
  isLocalAddress,
  parseHostPort,
  quietWarnings,
} from './discovery-util';

export interface TrackerDiscoveryOptions extends DiscoveryOptions {
  /** Announce URLs: `http(s)://`, `udp://host:port`, `ws(s)://`. */
  readonly announce: readonly string[];
  /**
   * A WebRTC implementation (e.g. node-datachannel's polyfill) for `ws(s)://` trackers, which
   * introduce WebRTC peers only; without one those trackers are skipped with a warning.
   */
  readonly wrtc?: unknown;
  /** Takes each WebRTC peer (a Duplex) a WebSocket tracker connects; without it they are dropped. */
  readonly onWebRtcPeer?: (peer: Duplex) => void;
  /** RTCPeerConnection configuration for those peers, e.g. `{ iceServers: [...] }`. */
  readonly rtcConfig?: unknown;
  /** A tracker may not make us announce more often than this; 60 s by default. */
  readonly minIntervalMs?: number;
  /** Whether more WebRTC peers are welcome now (e.g. a free slot); yes when not given. */
  readonly wantWebRtcPeers?: () => boolean;
  /** How soon to announce again after a WebRTC peer closes unconnected; 5 s by default. */
  readonly reannounceAfterLossMs?: number;
}

const DEFAULT_MIN_INTERVAL_MS = 60_000;
/**
 * After a WebRTC peer from a WebSocket tracker closes before it connected, that tracker is told
 * again this soon (an announce carries fresh offers), not at its interval of minutes: a setup
 * that failed is tried again (node-datachannel now and then fails one on a busy machine). At
 * most once per this long per tracker. Not after a peer that connected: the swarm refuses a
 * second connection to a peer it already has (over TCP, say), and announcing again after each
 * refusal would set up and refuse one every few seconds.
 */
const REANNOUNCE_AFTER_LOSS_MS = 5_000;
/**
 * Announced as bytes left to download. Any non-zero value makes us a leecher: a tracker
 * introduces seeders (left = 0, or unknown to the stock server) to leechers only, and Peerfold
 * peers must meet each other (DESIGN.md section 11).
 */
const LEFT = 16_384;
/** Azureus-style client prefix: Peerfold 0.1. */
const PEER_ID_PREFIX = '-PF0100-';

interface Tracker {
  url: string;
  /** Scheme and host only: a path may hold a private tracker's passkey, kept out of logs. */
  label: string;
  webSocket: boolean;
}

function parseAnnounceUrl(text: string): Tracker {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PeerfoldError('malformed', `tracker: "${text}" is not a URL`);
  }
  if (!['http:', 'https:', 'udp:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new PeerfoldError(
      'unsupported',
      `tracker: "${text}" is not an http(s)://, udp:// or ws(s):// URL`,
    );
  }
  if (url.hostname === '') throw new PeerfoldError('malformed', `tracker: "${text}" has no host`);
  if (url.protocol === 'udp:' && url.port === '') {
    throw new PeerfoldError('malformed', `tracker: "${text}" has no port`);
  }
  return {
    url: text,
    label: `${url.protocol}//${url.host}`,
    webSocket: url.protocol === 'ws:' || url.protocol === 'wss:',
  };
}

/** Keeps a tracker from setting a re-announce interval shorter than `minMs` (or nonsense). */
function boundIntervals(client: Client, minMs: number): void {
  for (const tracker of client._trackers) {
    const setInterval = tracker.setInterval.bind(tracker);
    tracker.setInterval = (ms?: number | null) =>
      setInterval(ms === undefined || ms === null ? undefined : Math.max(ms || 0, minMs));
  }
}

export function startTrackers(options: TrackerDiscoveryOptions): Promise<Discovery> {
  // a bad option throws inside the executor, so it reaches the caller as a rejection
  return new Promise((resolve) => resolve(start(options)));
}

function start(options: TrackerDiscoveryOptions): Discovery {
  const trackers = options.announce.map(parseAnnounceUrl);
  const webRtcOnly = options.port === 0 && trackers.every((t) => t.webSocket);
  checkDiscoveryOptions(webRtcOnly ? { ...options, port: 1 } : options, 'tracker');
  const minIntervalMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
  if (!(minIntervalMs > 0)) {
    throw new PeerfoldError('malformed', 'tracker: minIntervalMs must be positive');
  }
  const warn = quietWarnings(options.onWarning);
  const peerId = Buffer.concat([Buffer.from(PEER_ID_PREFIX), randomBytes(12)]);
  let closed = false;

  const clients: Client[] = [];
  const reannounces = new Map<Client, ReturnType<typeof setTimeout>>();
  const reannounceSoon = (client: Client): void => {
    if (closed || reannounces.has(client)) return;
    const timer = setTimeout(() => {
      reannounces.delete(client);
      if (!closed && (options.wantWebRtcPeers?.() ?? true)) client.update();
    }, options.reannounceAfterLossMs ?? REANNOUNCE_AFTER_LOSS_MS);
    reannounces.set(client, timer);
  };
  for (const tracker of trackers) {
    if (tracker.webSocket && options.wrtc === undefined) {
      warn(`tracker ${tracker.label}: skipped, WebSocket trackers need WebRTC`);
      continue;
    }
    // one client per URL, so each warning names the tracker it came from
    const client = new Client({
      infoHash: options.infoHash,
      peerId,
      announce: [tracker.url],
      // The client insists on a port; WebSocket announces never send it.
      port: webRtcOnly ? 1 : options.port,
      getAnnounceOpts: () => ({ uploaded: 0, downloaded: 0, left: LEFT }),
      wrtc: tracker.webSocket ? options.wrtc : false,
      ...(options.rtcConfig !== undefined && { rtcConfig: options.rtcConfig }),
    });
    boundIntervals(client, minIntervalMs);
    const onTrouble = (error: unknown) => {
      if (closed) return;
      const cause = error instanceof Error && error.cause ? ` (${errorText(error.cause)})` : '';
      warn(`tracker ${tracker.label}: ${errorText(error)}${cause}`);
    };
    client.on('warning', onTrouble);
    client.on('error', onTrouble);
    client.on('peer', (peer) => {
      if (typeof peer !== 'string') {
        if (!closed && options.onWebRtcPeer) {
          let connected = false;
          peer.once('connect', () => (connected = true));
          peer.once('close', () => {
            if (!connected) reannounceSoon(client);
          });
          options.onWebRtcPeer(peer);
        } else peer.destroy();
        return;
      }
      const candidate = parseHostPort(peer);
      if (closed || !candidate) return;
      if (candidate.port === options.port && isLocalAddress(candidate.host)) return;
      options.onPeer(candidate, 'tracker');
    });
    client.start();
    clients.push(client);
  }

  let closing: Promise<void> | undefined;
  return {
    name: 'tracker',
    close: () => {
      if (!closing) {
        closed = true;
        for (const timer of reannounces.values()) clearTimeout(timer);
        reannounces.clear();
        const stopped = clients.map(
          (client) =>
            new Promise<void>((resolve) => {
              client.stop(); // 'stopped', so the tracker forgets us now, not at its timeout
              client.destroy(() => resolve()); // waits (1 s at most) for the 'stopped' to go
            }),
        );
        closing = Promise.all(stopped).then(() => undefined);
      }
      return closing;
    },
  };
}
