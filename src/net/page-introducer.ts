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
import type { RtcLink } from './rtc-link';
import type { RtcTrackerOptions } from './rtc-options';
import { startRtcTracker, type RtcPlatform } from './rtc-tracker';

/** Trackers used at most, whatever the config lists. */
const MAX_TRACKERS = 4;
/** Connections per share at most (the worker's swarm takes 20). */
const MAX_LINKS = 16;
/** A config that cannot be loaded is asked for again after this long. */
const CONFIG_RETRY_MS = 30_000;
/**
 * After a connected peer is lost, announce again this soon (not at the tracker's interval of
 * minutes): if the peer is still online, both sides meet again; at most once per this long.
 */
const REANNOUNCE_AFTER_LOSS_MS = 5_000;

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
  /** The tracker client (tests inject a fake); rtc-tracker.ts by default. */
  readonly startTracker?: (options: RtcTrackerOptions) => Tracker;
}

interface Tracker {
  announce(): void;
  close(): void;
}

interface Joined {
  readonly wanted: () => boolean;
  readonly trackers: Tracker[];
  readonly links: Map<number, RtcLink>;
  left: boolean;
}

export class PageIntroducer {
  private readonly shares = new Map<string, Joined>();
  private config: Promise<NetConfig | undefined> | undefined;
  private nextLink = 1;

  constructor(private readonly options: IntroducerOptions) {}

  join(share: string, wanted: () => boolean): void {
    if (this.shares.has(share) || !/^[0-9a-f]{40}$/.test(share)) return;
    const joined: Joined = { wanted, trackers: [], links: new Map(), left: false };
    this.shares.set(share, joined);
    this.startTrackers(share, joined);
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
  ): Tracker {
    const ids = new Map<RtcLink, number>();
    let again: ReturnType<typeof setTimeout> | undefined;
    const start = this.options.startTracker ?? startRtcTracker;
    const tracker = start({
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
        if (again === undefined && !joined.left) {
          again = setTimeout(() => {
            again = undefined;
            if (!joined.left) tracker.announce();
          }, REANNOUNCE_AFTER_LOSS_MS);
        }
      },
      onWarning: (message) => this.options.onWarning?.(message),
    });
    return tracker;
  }

  /** Starts the share's trackers once the config is in; if it cannot be loaded, tries later. */
  private startTrackers(share: string, joined: Joined): void {
    void this.netConfig().then((config) => {
      if (joined.left) return;
      if (!config) {
        setTimeout(() => this.startTrackers(share, joined), CONFIG_RETRY_MS);
        return;
      }
      const peerId = crypto.getRandomValues(new Uint8Array(20));
      for (const url of config.trackers) {
        joined.trackers.push(this.track(share, joined, url, peerId, config.iceServers));
      }
    });
  }

  /** The config, loaded once (undefined if it could not be: asked for again on the next call). */
  private netConfig(): Promise<NetConfig | undefined> {
    this.config ??= this.options.loadConfig().then(parseNetConfig, () => {
      this.config = undefined;
      this.options.onWarning?.('the server’s config could not be loaded: no trackers yet');
      return undefined;
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
