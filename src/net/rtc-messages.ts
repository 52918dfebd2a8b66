/**
 * The WebTorrent tracker protocol as the page's tracker client (rtc-tracker.ts) speaks it: JSON
 * text frames; info_hash, peer_id and offer_id as 20-character "binary strings" (one char per
 * byte). Every inbound frame is decoded here, once, into a checked value or `invalid` with a
 * short reason that never quotes the frame (it may hold SDPs, addresses or peer ids).
 */

/** Frames longer than this are dropped unread (our server caps messages at 64 KiB too). */
export const MAX_TRACKER_MESSAGE_CHARS = 64 * 1024;

/**
 * Announced as bytes left to download. Any non-zero value makes us a leecher, so the tracker
 * introduces us to other peers (DESIGN.md section 11).
 */
const LEFT = 16_384;

const ID_LENGTH = 20;

export type TrackerMessage =
  | { kind: 'reply'; intervalSeconds: number | undefined; warning: string | undefined }
  | { kind: 'failure'; reason: string }
  | { kind: 'offer'; peerId: string; offerId: string; sdp: string }
  | { kind: 'answer'; peerId: string; offerId: string; sdp: string }
  | { kind: 'ignored' }
  | { kind: 'invalid'; reason: string };

export function bytesToBinary(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

export function binaryToHex(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += text.charCodeAt(i).toString(16).padStart(2, '0');
  return out;
}

/** A fresh random id (an offer id), as a binary string. */
export function randomBinaryId(): string {
  return bytesToBinary(crypto.getRandomValues(new Uint8Array(ID_LENGTH)));
}

/** A 20-character string whose characters are all bytes. */
export function isBinaryId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== ID_LENGTH) return false;
  for (let i = 0; i < ID_LENGTH; i++) if (value.charCodeAt(i) > 0xff) return false;
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sdpOf(value: unknown, type: 'offer' | 'answer'): string | undefined {
  if (!isRecord(value) || value.type !== type) return undefined;
  return typeof value.sdp === 'string' && value.sdp.length > 0 ? value.sdp : undefined;
}

/** Tracker-written text shown in a warning: one line, bounded, printable. */
function shortText(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

/** Decodes one frame for the swarm `infoHash` (binary). Never throws. */
export function parseTrackerMessage(data: unknown, infoHash: string): TrackerMessage {
  if (typeof data !== 'string') return { kind: 'invalid', reason: 'a binary frame' };
  if (data.length > MAX_TRACKER_MESSAGE_CHARS)
    return { kind: 'invalid', reason: 'an oversized frame' };
  let msg: unknown;
  try {
    msg = JSON.parse(data);
  } catch {
    return { kind: 'invalid', reason: 'a frame that is not JSON' };
  }
  if (!isRecord(msg)) return { kind: 'invalid', reason: 'a frame that is not an object' };
  if (msg.action === 'scrape') return { kind: 'ignored' };
  if (msg.action !== 'announce')
    return { kind: 'invalid', reason: 'a frame with an unknown action' };

  const failure = msg['failure reason'];
  // A failure may lack info_hash (the tracker could not read ours); the socket is ours alone.
  if (msg.info_hash !== undefined && msg.info_hash !== infoHash) {
    return { kind: 'invalid', reason: 'a message for another swarm' };
  }
  if (failure !== undefined) {
    return typeof failure === 'string'
      ? { kind: 'failure', reason: shortText(failure) }
      : { kind: 'invalid', reason: 'a malformed failure' };
  }
  if (msg.info_hash === undefined)
    return { kind: 'invalid', reason: 'a message without info_hash' };

  if (msg.offer !== undefined || msg.answer !== undefined) {
    const type = msg.offer !== undefined ? 'offer' : 'answer';
    const sdp = sdpOf(msg[type], type);
    if (sdp === undefined || !isBinaryId(msg.peer_id) || !isBinaryId(msg.offer_id)) {
      return { kind: 'invalid', reason: `a malformed ${type}` };
    }
    return { kind: type, peerId: msg.peer_id, offerId: msg.offer_id, sdp };
  }

  const interval = msg.interval ?? msg['min interval'];
  const valid = typeof interval === 'number' && Number.isFinite(interval) && interval > 0;
  if (interval !== undefined && !valid) return { kind: 'invalid', reason: 'a malformed interval' };
  const warning = msg['warning message'];
  return {
    kind: 'reply',
    intervalSeconds: valid ? interval : undefined,
    warning: typeof warning === 'string' ? shortText(warning) : undefined,
  };
}

export interface AnnounceFields {
  infoHash: string;
  peerId: string;
  event: 'started' | 'stopped' | undefined;
  offers: { offerId: string; sdp: string }[];
}

export function announceMessage(fields: AnnounceFields): string {
  const message: Record<string, unknown> = {
    action: 'announce',
    info_hash: fields.infoHash,
    peer_id: fields.peerId,
    numwant: fields.offers.length,
    uploaded: 0,
    downloaded: 0,
    left: LEFT,
  };
  if (fields.event) message.event = fields.event;
  if (fields.event !== 'stopped') {
    message.offers = fields.offers.map((o) => ({
      offer: { type: 'offer', sdp: o.sdp },
      offer_id: o.offerId,
    }));
  }
  return JSON.stringify(message);
}

export function answerMessage(fields: {
  infoHash: string;
  peerId: string;
  toPeerId: string;
  offerId: string;
  sdp: string;
}): string {
  return JSON.stringify({
    action: 'announce',
    info_hash: fields.infoHash,
    peer_id: fields.peerId,
    to_peer_id: fields.toPeerId,
    answer: { type: 'answer', sdp: fields.sdp },
    offer_id: fields.offerId,
  });
}
