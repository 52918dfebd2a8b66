/** The numbers that bound one sync session (docs/PROTOCOL.md section 9). */

/** Bytes of object data a receiver lets a sender have in flight. */
export const CREDIT_WINDOW = 8 * 1024 * 1024;
/** Objects a receiver asks one peer for before hearing back. */
export const MAX_IN_FLIGHT = 512;
/**
 * Verified objects a receiver stores at once (each waits mostly on the disk); more arrivals wait
 * their turn in the inbox, still bounded by the credit window.
 */
export const STORES_IN_FLIGHT = 16;
/** Wanted objects a sender reads from its store ahead of sending them (memory: 256 KiB each). */
export const SERVE_READ_AHEAD = 8;
/** Wanted objects a sender queues for a peer; more is abuse. */
export const MAX_SERVE_QUEUE = 8192;
/**
 * Bytes of messages other than `data` that may wait unhandled (data is bounded by credit). An
 * honest peer stays far below it; a peer that floods heads or wants is closed (`too-large`).
 */
export const MAX_QUEUED_CONTROL_BYTES = 4 * 1024 * 1024;
/** With wants in flight, a peer that answers none of them for this long is dropped (`timeout`). */
export const STALL_MS = 30_000;
/** A peer that has not proved it holds the share this long after the first tick is dropped. */
export const HANDSHAKE_MS = 20_000;
/** How often the engine should call `Session.tick`: deadlines fire within two of these late. */
export const TICK_INTERVAL_MS = 5_000;
