/**
 * The page's side of WebRTC (DESIGN.md section 7): a dedicated worker cannot make an
 * RTCPeerConnection, so the page runs the WebSocket tracker clients (rtc-tracker.ts) for every
 * open share and hands each raw data channel to the engine's worker the moment it exists
 * (`deliver` must transfer it in that same task). The worker tells when it is done with a
 * channel and the page closes the connection.
 *
 * The trackers and STUN/TURN servers come from the server's /config.json (validated here: it
 * is input like any other). Only the share's public id (its discovery key) reaches a tracker.
 */
import { fromHex } from '../core/bytes';
import { startRtcTracker, type RtcLink, type RtcPlatform } from './rtc-tracker';

/** Trackers used at most, whatever the config lists. */
const MAX_TRACKERS = 4;
/** Connections per share at most (the worker's swarm takes 20). */
const MAX_LINKS = 16;
/** A config that cannot be loaded is asked for again after this long. */
const CONFIG_RETRY_MS = 30_000;

export interface NetConfig {
  readonly trackers: readonly string[];
  readonly iceServers: readonly RTCIceServer[];
}

export interface IntroducerOptions {
  readonly platform: RtcPlatform;
  /** Fetches the server's config (e.g. `fetch('/config.json').then(r => r.json())`). */
  readonly loadConfig: () => Promise<unknown>;
  /** Gives the worker a data channel; must transfer it synchronously. */
  readonly deliver: (
    share: string,
    link: number,
    initiator: boolean,
    channel: RTCDataChannel,
  ) => void;
  readonly onWarning?: (message: string) => void;
}

interface Joined {
  readonly wanted: () => boolean;
  readonly trackers: { close(): void; announce(): void }[];
  readonly links: Map<number, RtcLink>;
  left: boolean;
}

export class PageIntroducer {
  private readonly shares = new Map<string, Joined>();
  private config: Promise<NetConfig> | undefined;
  private nextLink = 1;

  constructor(private readonly options: IntroducerOptions) {}

  join(share: string, wanted: () => boolean): void {
    if (this.shares.has(share) || !/^[0-9a-f]{40}$/.test(share)) return;
    const joined: Joined = { wanted, trackers: [], links: new Map(), left: false };
    this.shares.set(share, joined);
    void this.netConfig().then((config) => {
      if (joined.left) return;
      const peerId = crypto.getRandomValues(new Uint8Array(20));
      for (const url of config.trackers) {
        joined.trackers.push(this.track(share, joined, url, peerId, config.iceServers));
      }
    });
  }

  leave(share: string): void {
    const joined = this.shares.get(share);
    if (!joined) return;
    this.shares.delete(share);
    joined.left = true;
    for (const tracker of joined.trackers) tracker.close();
    for (const link of joined.links.values()) link.close();
  }

  /** The share started taking peers: announce now rather than at the next interval. */
  wake(share: string): void {
    for (const tracker of this.shares.get(share)?.trackers ?? []) tracker.announce();
  }

  linkEnded(share: string, link: number): void {
    const joined = this.shares.get(share);
    joined?.links.get(link)?.close();
    joined?.links.delete(link);
  }

  private track(
    share: string,
    joined: Joined,
    url: string,
    peerId: Uint8Array,
    iceServers: readonly RTCIceServer[],
  ): { close(): void; announce(): void } {
    const ids = new Map<RtcLink, number>();
    return startRtcTracker({
      url,
      infoHash: fromHex(share),
      peerId,
      platform: this.options.platform,
      iceServers: [...iceServers],
      wantPeers: () => !joined.left && joined.links.size < MAX_LINKS && joined.wanted(),
      onChannel: (channel, link) => {
        const id = this.nextLink++;
        ids.set(link, id);
        joined.links.set(id, link);
        this.options.deliver(share, id, link.initiator, channel);
      },
      onLinkClosed: (link) => {
        const id = ids.get(link);
        ids.delete(link);
        if (id !== undefined) joined.links.delete(id);
      },
      onWarning: (message) => this.options.onWarning?.(message),
    });
  }

  /** The config, loaded once; on failure no trackers now and another try later. */
  private netConfig(): Promise<NetConfig> {
    this.config ??= this.options.loadConfig().then(parseNetConfig, () => {
      setTimeout(() => (this.config = undefined), CONFIG_RETRY_MS);
      this.options.onWarning?.('the server’s config could not be loaded: no trackers');
      return { trackers: [], iceServers: [] };
    });
    return this.config;
  }
}

/** The usable part of a /config.json: ws(s) tracker URLs and well-formed ICE servers. */
export function parseNetConfig(raw: unknown): NetConfig {
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const trackers = Array.isArray(record.trackers)
    ? record.trackers.filter(isTrackerUrl).slice(0, MAX_TRACKERS)
    : [];
  const iceServers = Array.isArray(record.iceServers)
    ? record.iceServers.filter(isIceServer).slice(0, MAX_TRACKERS)
    : [];
  return { trackers: [...new Set(trackers)], iceServers };
}

function isTrackerUrl(x: unknown): x is string {
  if (typeof x !== 'string' || x.length > 2048) return false;
  try {
    const protocol = new URL(x).protocol;
    return protocol === 'ws:' || protocol === 'wss:';
  } catch {
    return false;
  }
}

function isIceServer(x: unknown): x is RTCIceServer {
  if (typeof x !== 'object' || x === null) return false;
  const { urls, username, credential } = x as Record<string, unknown>;
  const list = Array.isArray(urls) ? urls : [urls];
  return (
    list.length > 0 &&
    list.every((u) => typeof u === 'string' && /^(stun|stuns|turn|turns):/.test(u)) &&
    (username === undefined || typeof username === 'string') &&
    (credential === undefined || typeof credential === 'string')
  );
}
