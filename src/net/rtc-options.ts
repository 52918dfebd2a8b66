/**
 * The options of the page's tracker client (rtc-tracker.ts), checked and with their defaults.
 */
import { PeerfoldError } from '../core/errors';
import type { LinkCloseReason, LinkTiming, RtcLink } from './rtc-link';
import { bytesToBinary } from './rtc-messages';

/** The part of a WebSocket used here (the browser's, or a test's fake). */
export interface RtcTrackerSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => unknown) | null;
  onmessage: ((event: MessageEvent) => unknown) | null;
  onclose: ((event: CloseEvent) => unknown) | null;
  onerror: ((event: Event) => unknown) | null;
}

export interface RtcPlatform {
  readonly RTCPeerConnection: new (configuration?: RTCConfiguration) => RTCPeerConnection;
  readonly WebSocket: new (url: string) => RtcTrackerSocket;
}

export interface RtcTrackerOptions {
  /** A `ws://` or `wss://` tracker. */
  readonly url: string;
  /** 20 bytes: the share's discovery key. */
  readonly infoHash: Uint8Array;
  /** 20 bytes: ours, the same on every tracker of the share. */
  readonly peerId: Uint8Array;
  readonly platform: RtcPlatform;
  readonly iceServers?: RTCIceServer[];
  /** Takes a new data channel, synchronously (see above); this module never touches it after. */
  readonly onChannel: (channel: RTCDataChannel, link: RtcLink) => void;
  /** Whether more peers are wanted now: offers are made and answered only then. */
  readonly wantPeers?: () => boolean;
  readonly onLinkClosed?: (link: RtcLink, reason: LinkCloseReason) => void;
  readonly onWarning?: (message: string) => void;
  /** Offers per announce (4); peer connections negotiating at once, at most (16). */
  readonly offersPerAnnounce?: number;
  readonly maxNegotiating?: number;
  /** An offer unanswered this long is closed (50 s). */
  readonly offerTimeoutMs?: number;
  /** A connection not made this long after the answer is closed (30 s). */
  readonly connectTimeoutMs?: number;
  /** The longest wait for ICE gathering before an SDP is sent as it is (5 s). */
  readonly iceGatheringTimeoutMs?: number;
  /** How often a connected link checks its channel is still open somewhere (5 s). */
  readonly channelCheckMs?: number;
  /** The first reconnect delay, doubled per failure up to 5 min (2 s). */
  readonly reconnectDelayMs?: number;
  /** The tracker's interval is clamped to this at least (30 s) and 30 min at most. */
  readonly minAnnounceIntervalMs?: number;
}

export interface RtcTracker {
  /** Announces now (with fresh offers when peers are wanted), unless one is being made. */
  announce(): void;
  /** Peer connections alive, negotiating or connected. */
  readonly links: number;
  close(): void;
}

/** The options as the client uses them. */
export interface Settings {
  /** Scheme and host: a URL's path may hold a passkey, kept out of warnings. */
  readonly label: string;
  /** Ids as binary strings, as the protocol carries them. */
  readonly infoHash: string;
  readonly peerId: string;
  readonly timing: LinkTiming;
  readonly offersPerAnnounce: number;
  readonly maxNegotiating: number;
  readonly reconnectDelayMs: number;
  readonly minAnnounceIntervalMs: number;
}

/** Throws on a URL that is not ws(s) or ids that are not 20 bytes (a caller's bug). */
export function settingsOf(options: RtcTrackerOptions): Settings {
  const url = new URL(options.url);
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new PeerfoldError('malformed', `rtc tracker: ${url.protocol} is not ws: or wss:`);
  }
  if (options.infoHash.length !== 20 || options.peerId.length !== 20) {
    throw new PeerfoldError('malformed', 'rtc tracker: info hash and peer id take 20 bytes');
  }
  return {
    label: `${url.protocol}//${url.host}`,
    infoHash: bytesToBinary(options.infoHash),
    peerId: bytesToBinary(options.peerId),
    timing: {
      offerTimeoutMs: options.offerTimeoutMs ?? 50_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
      iceGatheringTimeoutMs: options.iceGatheringTimeoutMs ?? 5_000,
      channelCheckMs: options.channelCheckMs ?? 5_000,
    },
    offersPerAnnounce: options.offersPerAnnounce ?? 4,
    maxNegotiating: options.maxNegotiating ?? 16,
    reconnectDelayMs: options.reconnectDelayMs ?? 2_000,
    minAnnounceIntervalMs: options.minAnnounceIntervalMs ?? 30_000,
  };
}
