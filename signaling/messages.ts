// The WebTorrent tracker protocol as JSON over WebSocket (the shapes bittorrent-tracker's
// websocket client sends and expects). Every inbound message is decoded here, once, into a
// checked value; anything else is `invalid`. Ids are 20-byte "binary strings" (one char per
// byte), kept as they are: they only serve as map keys and are echoed back unchanged.

export type AnnounceEvent = 'started' | 'stopped' | 'completed' | 'update';

/** An SDP description as simple-peer signals it (non-trickle). Relayed as exactly these fields. */
export interface Description {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface Offer {
  offerId: string;
  offer: Description;
}

export interface Announce {
  kind: 'announce';
  infoHash: string;
  peerId: string;
  event: AnnounceEvent;
  /** Bytes left; undefined when the client did not say (treated as a leecher). */
  left: number | undefined;
  numwant: number | undefined;
  /** At most `maxOffers` offers; the count of the ones beyond is in `extraOffers`. */
  offers: Offer[];
  extraOffers: number;
}

export interface Answer {
  kind: 'answer';
  infoHash: string;
  peerId: string;
  toPeerId: string;
  offerId: string;
  answer: Description;
}

export interface Scrape {
  kind: 'scrape';
  /** Empty when the client sent no info_hash (a full scrape, which is refused). */
  infoHashes: string[];
}

/** A message that fails a check; `infoHash` is set when it names a valid one (for the reply). */
export interface Invalid {
  kind: 'invalid';
  action: 'announce' | 'scrape' | undefined;
  infoHash: string | undefined;
}

export type Inbound = Announce | Answer | Scrape | Invalid;

const ID_LENGTH = 20;

/** A 20-character string whose characters are all bytes. */
export function isBinaryId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== ID_LENGTH) return false;
  for (let i = 0; i < ID_LENGTH; i++) if (value.charCodeAt(i) > 0xff) return false;
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function description(value: unknown, type: Description['type']): Description | undefined {
  if (!isRecord(value) || value.type !== type || typeof value.sdp !== 'string') return undefined;
  return { type, sdp: value.sdp };
}

function optionalCount(value: unknown): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

const EVENTS: Record<string, AnnounceEvent> = {
  started: 'started',
  stopped: 'stopped',
  completed: 'completed',
  update: 'update',
  paused: 'update',
  empty: 'update',
};

function announceEvent(value: unknown): AnnounceEvent | undefined {
  if (value === undefined || value === null || value === '') return 'update';
  return typeof value === 'string' && Object.hasOwn(EVENTS, value) ? EVENTS[value] : undefined;
}

function parseAnnounce(msg: Record<string, unknown>, maxOffers: number): Inbound {
  const infoHash = isBinaryId(msg.info_hash) ? msg.info_hash : undefined;
  const invalid: Invalid = { kind: 'invalid', action: 'announce', infoHash };
  if (infoHash === undefined || !isBinaryId(msg.peer_id)) return invalid;
  const peerId = msg.peer_id;

  if (msg.answer !== undefined) {
    const answer = description(msg.answer, 'answer');
    if (!answer || !isBinaryId(msg.to_peer_id) || !isBinaryId(msg.offer_id)) return invalid;
    return {
      kind: 'answer',
      infoHash,
      peerId,
      toPeerId: msg.to_peer_id,
      offerId: msg.offer_id,
      answer,
    };
  }

  const event = announceEvent(msg.event);
  const left = optionalCount(msg.left);
  const numwant = optionalCount(msg.numwant);
  if (event === undefined || left === null || numwant === null) return invalid;

  const rawOffers = msg.offers ?? [];
  if (!Array.isArray(rawOffers)) return invalid;
  const offers: Offer[] = [];
  for (const raw of rawOffers.slice(0, maxOffers)) {
    if (!isRecord(raw) || !isBinaryId(raw.offer_id)) return invalid;
    const offer = description(raw.offer, 'offer');
    if (!offer) return invalid;
    offers.push({ offerId: raw.offer_id, offer });
  }
  const extraOffers = rawOffers.length - offers.length;
  return { kind: 'announce', infoHash, peerId, event, left, numwant, offers, extraOffers };
}

function parseScrape(msg: Record<string, unknown>): Inbound {
  const invalid: Invalid = { kind: 'invalid', action: 'scrape', infoHash: undefined };
  const raw = msg.info_hash;
  if (raw === undefined || raw === null) return { kind: 'scrape', infoHashes: [] };
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  if (!list.every(isBinaryId)) return invalid;
  return { kind: 'scrape', infoHashes: list };
}

/** Decodes one text message. Never throws. */
export function parseInbound(text: string, maxOffers: number): Inbound {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { kind: 'invalid', action: undefined, infoHash: undefined };
  }
  if (!isRecord(msg)) return { kind: 'invalid', action: undefined, infoHash: undefined };
  if (msg.action === 'announce') return parseAnnounce(msg, maxOffers);
  if (msg.action === 'scrape') return parseScrape(msg);
  return { kind: 'invalid', action: undefined, infoHash: undefined };
}

// Outbound messages: exactly the fields the stock client reads.

export function announceReply(
  infoHash: string,
  counts: { complete: number; incomplete: number },
  interval: number,
): string {
  const { complete, incomplete } = counts;
  return JSON.stringify({
    action: 'announce',
    interval,
    info_hash: infoHash,
    complete,
    incomplete,
  });
}

export function offerRelay(infoHash: string, fromPeerId: string, offer: Offer): string {
  return JSON.stringify({
    action: 'announce',
    offer: offer.offer,
    offer_id: offer.offerId,
    peer_id: fromPeerId,
    info_hash: infoHash,
  });
}

export function answerRelay(message: Answer): string {
  return JSON.stringify({
    action: 'announce',
    answer: message.answer,
    offer_id: message.offerId,
    peer_id: message.peerId,
    info_hash: message.infoHash,
  });
}

export interface ScrapeCounts {
  complete: number;
  incomplete: number;
}

export function scrapeReply(files: Map<string, ScrapeCounts>, interval: number): string {
  const out: Record<string, ScrapeCounts & { downloaded: number }> = {};
  for (const [infoHash, c] of files) {
    out[infoHash] = { complete: c.complete, incomplete: c.incomplete, downloaded: c.complete };
  }
  return JSON.stringify({
    action: 'scrape',
    files: out,
    flags: { min_request_interval: interval },
  });
}

/** A failure the stock client shows as a warning (it needs `action`, and `info_hash` to match). */
export function failure(
  action: 'announce' | 'scrape',
  reason: string,
  infoHash: string | undefined,
): string {
  const body: Record<string, string> = { action, 'failure reason': reason };
  if (infoHash !== undefined) body.info_hash = infoHash;
  return JSON.stringify(body);
}
