// Every bound the tracker enforces, in one place: memory and work per client stay bounded
// whatever clients send (DESIGN.md section 5). Times are in milliseconds.

export interface Limits {
  /** Largest WebSocket message accepted; a bigger one closes the socket (1009). */
  maxMessageBytes: number;
  /** Offers relayed per announce (extra offers are ignored); also caps `numwant`. */
  maxOffersPerAnnounce: number;
  /** Info hashes in one scrape; more, or none, is refused. */
  maxScrapeHashes: number;
  /** Swarm memberships (swarm, peer id) one socket may hold. */
  maxMembershipsPerSocket: number;
  /** Peers in one swarm; a new peer beyond it is refused. */
  maxPeersPerSwarm: number;
  /** Offers relayed to one socket that still await its answer; the oldest is forgotten. */
  maxPendingOffersPerSocket: number;
  /** How long an answer to a relayed offer is accepted. */
  offerTtlMs: number;
  /** Open WebSockets from one address, and in total. */
  maxConnectionsPerIp: number;
  maxConnections: number;
  /** Token bucket for messages per socket: sustained rate and burst. */
  messagesPerSecond: number;
  messageBurst: number;
  /** Messages a socket may have dropped for rate before it is closed (refills at the rate). */
  maxRateLimitedBurst: number;
  /** A socket that sends no message for this long is closed. */
  idleTimeoutMs: number;
  /** Ping period; a socket that has not answered the previous ping is terminated. */
  pingIntervalMs: number;
  /** A socket whose outgoing buffer exceeds this is sent nothing until it drains. */
  maxBufferedBytes: number;
  /** Re-announce interval told to clients, in seconds. */
  announceIntervalSeconds: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxMessageBytes: 64 * 1024,
  maxOffersPerAnnounce: 10,
  maxScrapeHashes: 16,
  maxMembershipsPerSocket: 100,
  maxPeersPerSwarm: 1000,
  maxPendingOffersPerSocket: 200,
  offerTtlMs: 30_000,
  maxConnectionsPerIp: 64,
  maxConnections: 20_000,
  messagesPerSecond: 20,
  messageBurst: 100,
  maxRateLimitedBurst: 200,
  idleTimeoutMs: 5 * 60_000,
  pingIntervalMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  announceIntervalSeconds: 120,
});

/** Defaults overlaid with `overrides`; every value must be a positive finite number. */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new Error(`limit ${name} must be a positive number`);
    }
  }
  return limits;
}
