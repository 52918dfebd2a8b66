/**
 * The page's WebTorrent tracker client (DESIGN.md sections 4, 7): one swarm on one `ws(s)://`
 * tracker, over plain RTCPeerConnections that hand out raw, untouched RTCDataChannels, because
 * the engine runs in a dedicated worker (no RTCPeerConnection there) and a channel can be
 * transferred to it only in the task it appears, before anything used it (simple-peer, under
 * bittorrent-tracker's client, uses it at once).
 *
 *   const tracker = startRtcTracker({ url, infoHash, peerId, platform, onChannel, ... });
 *   tracker.announce();  // now, e.g. when wantPeers() turned true; else on the interval
 *   tracker.links;       // peer connections alive (negotiating or connected)
 *   tracker.close();     // 'stopped' to the tracker, every connection and the socket closed
 *
 * `onChannel(channel, link)` runs in the task the channel is created (our offer, right after
 * createDataChannel) or arrives (the remote's offer, in ondatachannel): transfer it there.
 * `onLinkClosed(link, reason)` follows for every link given to onChannel. The consumer closes a
 * link with `link.close()`; a channel closed wherever it went also ends its link (rtc-link.ts).
 *
 * Protocol as webtorrent's client speaks it (rtc-messages.ts), ICE not trickled. Of two links
 * to one remote peer only one survives: offers from a peer already linked are not answered, an
 * answer from one is refused, and when both peers answered each other's offers at once, the
 * link offered by the lower peer id wins on both sides. Nothing a tracker sends can throw out of
 * a handler; warnings never quote SDPs, peer ids or the tracker URL's path.
 */
import { PeerLink, type LinkCloseReason, type LinkHooks } from './rtc-link';
import { LinkTable } from './rtc-links';
import {
  answerMessage,
  announceMessage,
  parseTrackerMessage,
  randomBinaryId,
} from './rtc-messages';
import type { TrackerMessage } from './rtc-messages';
import { settingsOf, type Settings } from './rtc-options';
import type { RtcTracker, RtcTrackerOptions, RtcTrackerSocket } from './rtc-options';

export type { LinkCloseReason, RtcLink } from './rtc-link';
export type { RtcPlatform, RtcTracker, RtcTrackerOptions, RtcTrackerSocket } from './rtc-options';

const OPEN = 1;
const CHANNEL_LABEL = 'peerfold';
const MAX_INTERVAL_MS = 30 * 60_000;
const FIRST_INTERVAL_MS = 120_000;
const MAX_RECONNECT_MS = 5 * 60_000;

export function startRtcTracker(options: RtcTrackerOptions): RtcTracker {
  return new RtcTrackerClient(options);
}

class RtcTrackerClient implements RtcTracker {
  private readonly settings: Settings;
  private readonly infoHash: string;
  private readonly peerId: string;
  private readonly hooks: LinkHooks;
  private readonly table = new LinkTable();
  private socket: RtcTrackerSocket | undefined;
  private started = false;
  private announcing = false;
  private retries = 0;
  private intervalMs = FIRST_INTERVAL_MS;
  private announceTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly options: RtcTrackerOptions) {
    this.settings = settingsOf(options);
    ({ infoHash: this.infoHash, peerId: this.peerId } = this.settings);
    this.hooks = {
      timing: this.settings.timing,
      deliver: (channel, link) =>
        this.guard(() => (options.onChannel(channel, link), true)) === true,
      closed: (link, reason) => this.forget(link, reason),
      warn: (message) => this.warn(message),
    };
    this.connect();
  }

  get links(): number {
    return this.table.size;
  }

  announce(): void {
    void this.announceNow();
  }

  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.announceTimer);
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      this.guard(() => {
        const stop = { infoHash: this.infoHash, peerId: this.peerId, offers: [] };
        if (this.started && socket.readyState === OPEN)
          socket.send(announceMessage({ ...stop, event: 'stopped' }));
        socket.close(1000);
      });
    }
    for (const link of this.table.all()) link.close('closed');
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = this.guard(() => new this.options.platform.WebSocket(this.options.url));
    if (!socket) return this.reconnectLater();
    this.socket = socket;
    this.started = false;
    socket.onopen = () => void this.announceNow();
    socket.onmessage = (event) => this.guard(() => this.onMessage(socket, event.data));
    socket.onclose = () => this.guard(() => this.onSocketClosed(socket));
    socket.onerror = () => undefined; // a close follows
  }

  private onSocketClosed(socket: RtcTrackerSocket): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    clearTimeout(this.announceTimer);
    // The tracker forgot our offers with the socket: no answer can come for them now.
    for (const link of this.table.unanswered()) link.close('tracker lost');
    this.reconnectLater();
  }

  private reconnectLater(): void {
    const base = this.settings.reconnectDelayMs;
    const delay = Math.min(MAX_RECONNECT_MS, base * 2 ** this.retries++);
    this.reconnectTimer = setTimeout(() => this.connect(), delay * (0.75 + Math.random() / 2));
  }

  private async announceNow(): Promise<void> {
    const socket = this.socket;
    if (this.announcing || !socket || socket.readyState !== OPEN) return;
    this.announcing = true;
    clearTimeout(this.announceTimer);
    this.announceTimer = setTimeout(() => void this.announceNow(), this.intervalMs);
    const made: { offerId: string; link: PeerLink; sdp: Promise<string | undefined> }[] = [];
    try {
      const room = this.settings.maxNegotiating - this.table.negotiating;
      const count = this.wantsPeers() ? Math.min(this.settings.offersPerAnnounce, room) : 0;
      for (let i = 0; i < count; i++) {
        const offerId = randomBinaryId();
        const link = this.newLink(true, offerId);
        if (!link) break;
        made.push({ offerId, link, sdp: link.offer(CHANNEL_LABEL) });
      }
      const offers: { offerId: string; sdp: string }[] = [];
      for (const { offerId, link, sdp } of made) {
        const text = await sdp;
        if (text !== undefined && !link.closed) offers.push({ offerId, sdp: text });
      }
      if (socket !== this.socket || socket.readyState !== OPEN) {
        for (const { link } of made) link.close('tracker lost');
        return;
      }
      const event = this.started ? undefined : 'started';
      socket.send(announceMessage({ infoHash: this.infoHash, peerId: this.peerId, event, offers }));
      this.started = true;
    } catch (err) {
      this.warn(`internal error while announcing (${(err as Error).name})`);
    } finally {
      this.announcing = false;
      // The socket was replaced meanwhile: the new one has not announced yet.
      if (this.socket !== socket && !this.started) void this.announceNow();
    }
  }

  private onMessage(socket: RtcTrackerSocket, data: unknown): void {
    if (socket !== this.socket) return;
    const msg = parseTrackerMessage(data, this.infoHash);
    if (msg.kind === 'invalid') this.warn(`ignored ${msg.reason}`);
    else if (msg.kind === 'failure') this.warn(`the tracker refused: ${msg.reason}`);
    else if (msg.kind === 'reply') this.onReply(msg.intervalSeconds, msg.warning);
    else if (msg.kind === 'offer') this.onOffer(socket, msg);
    else if (msg.kind === 'answer') this.onAnswer(msg);
  }

  private onReply(intervalSeconds: number | undefined, warning: string | undefined): void {
    this.retries = 0;
    if (warning !== undefined) this.warn(`the tracker warns: ${warning}`);
    if (intervalSeconds === undefined) return;
    const min = this.settings.minAnnounceIntervalMs;
    const ms = Math.min(MAX_INTERVAL_MS, Math.max(min, intervalSeconds * 1000));
    if (ms === this.intervalMs) return;
    this.intervalMs = ms;
    clearTimeout(this.announceTimer);
    this.announceTimer = setTimeout(() => void this.announceNow(), ms);
  }

  private onOffer(socket: RtcTrackerSocket, msg: Extract<TrackerMessage, { kind: 'offer' }>) {
    if (msg.peerId === this.peerId || this.table.linkedTo(msg.peerId)) return;
    if (!this.wantsPeers() || this.table.negotiating >= this.settings.maxNegotiating) return;
    const link = this.newLink(false);
    if (!link) return;
    this.table.answering(msg.peerId, link);
    void link.answer(msg.peerId, msg.sdp).then((sdp) =>
      this.guard(() => {
        if (sdp === undefined || link.closed) return;
        if (socket !== this.socket || socket.readyState !== OPEN) return link.close('tracker lost');
        const { infoHash, peerId } = this;
        const to = { toPeerId: msg.peerId, offerId: msg.offerId };
        socket.send(answerMessage({ infoHash, peerId, ...to, sdp }));
      }),
    );
  }

  private onAnswer(msg: Extract<TrackerMessage, { kind: 'answer' }>): void {
    const link = msg.peerId === this.peerId ? undefined : this.table.takeOffer(msg.offerId);
    if (!link) return this.warn('ignored an answer to an unknown or expired offer');
    if (!this.table.admitAnswer(this.peerId, msg.peerId, link)) {
      this.warn('refused an answer from a peer already linked');
      return link.close('duplicate peer');
    }
    link.acceptAnswer(msg.peerId, msg.sdp);
  }

  private newLink(initiator: boolean, offerId?: string): PeerLink | undefined {
    const { RTCPeerConnection } = this.options.platform;
    const iceServers = this.options.iceServers ?? [];
    const pc = this.guard(() => new RTCPeerConnection({ iceServers }));
    if (!pc) return undefined;
    const link = new PeerLink(initiator, pc, this.hooks);
    this.table.add(link, offerId);
    return link;
  }

  private forget(link: PeerLink, reason: LinkCloseReason): void {
    this.table.remove(link);
    if (link.handedOut) this.guard(() => this.options.onLinkClosed?.(link, reason));
  }

  private wantsPeers(): boolean {
    return !this.stopped && (this.guard(() => this.options.wantPeers?.() ?? true) ?? false);
  }

  private warn(message: string): void {
    try {
      this.options.onWarning?.(`${this.settings.label}: ${message}`);
    } catch {
      // A failing warning sink must not break the client.
    }
  }

  /** Runs `f`; a throw (a bug, or a callback's) becomes a warning, never an escape. */
  private guard<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (err) {
      this.warn(`internal error (${err instanceof Error ? err.name : 'unknown'})`);
      return undefined;
    }
  }
}
