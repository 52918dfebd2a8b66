// Counters for /health: numbers only, never an infohash, peer id, address or message content.

/** Messages dropped (or refused with a failure reply), by reason. */
export interface DroppedCounters {
  /** Message over the size cap (the socket is closed). */
  tooLarge: number;
  /** Over the per-socket message rate. */
  rateLimited: number;
  /** Not JSON, not an object, or a field of the wrong shape. */
  badMessage: number;
  /** Used a peer id bound to another socket in that swarm. */
  forgedPeer: number;
  /** Answer to an offer this socket was not relayed, expired, or already answered. */
  unknownOffer: number;
  /** Offers beyond the per-announce cap, ignored. */
  extraOffers: number;
  /** Messages not sent because the receiving socket was not draining its buffer. */
  slowReceiver: number;
  /** Scrape without info_hash or with too many. */
  scrapeRefused: number;
  /** Announce refused: socket holds too many swarm memberships. */
  tooManyMemberships: number;
  /** Announce refused: swarm is full. */
  swarmFull: number;
  /** Pending offers forgotten to stay within the per-socket cap. */
  pendingEvicted: number;
}

/** Sockets closed or refused by the server, by reason. */
export interface ClosedCounters {
  tooLarge: number;
  rateAbuse: number;
  idle: number;
  unresponsive: number;
  internalError: number;
  refusedPerIp: number;
  refusedTotal: number;
}

export interface Health {
  ok: true;
  swarms: number;
  peers: number;
  sockets: number;
  /** Offers relayed and still awaiting an answer (bounded per socket). */
  pendingOffers: number;
  dropped: DroppedCounters;
  closed: ClosedCounters;
}

export function newDroppedCounters(): DroppedCounters {
  return {
    tooLarge: 0,
    rateLimited: 0,
    badMessage: 0,
    forgedPeer: 0,
    unknownOffer: 0,
    extraOffers: 0,
    slowReceiver: 0,
    scrapeRefused: 0,
    tooManyMemberships: 0,
    swarmFull: 0,
    pendingEvicted: 0,
  };
}

export function newClosedCounters(): ClosedCounters {
  return {
    tooLarge: 0,
    rateAbuse: 0,
    idle: 0,
    unresponsive: 0,
    internalError: 0,
    refusedPerIp: 0,
    refusedTotal: 0,
  };
}
