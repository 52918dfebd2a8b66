/**
 * A connected WebRTC peer (simple-peer) as the byte stream `attachStream` pipes through a wire,
 * built on streamx (the stream library of bittorrent-protocol and simple-peer themselves), so the
 * same code runs in Node (the bridge) and in a browser. What the data channel needs that the
 * wire does not do:
 * - messages no larger than every endpoint accepts: the wire writes a whole Peerfold message
 *   (up to 257 KiB) at once, above the 256 KiB that browsers and libdatachannel announce, so
 *   writes go out in 64 KiB pieces (RFC 8841's default for a peer that announces no limit).
 *   Pieces of 16 KiB cost more: a Node WebRTC receiver reached 0.43-0.48x the raw channel with
 *   them, 0.53x with these (PERFORMANCE.md);
 * - backpressure: a piece waits until the peer accepted the previous ones (simple-peer holds its
 *   write callback while the channel's `bufferedAmount` is above 64 KiB), so the channel's
 *   buffer stays bounded (DESIGN.md section 11);
 * - the peer going away in any way ends the stream: on a remote close simple-peer may only end
 *   its stream and emit 'disconnect', and a write held for backpressure then never finishes.
 */
import { Duplex } from 'streamx';
import type { ByteStream } from './stream-peer';

/** Data channel message size used for every write: what every endpoint must accept. */
export const CHANNEL_PIECE_BYTES = 64 * 1024;
/**
 * How long a close waits for the peer connection to be closed: the remote side learns of the
 * close only if the process lives until it is sent.
 */
export const CHANNEL_CLOSE_WAIT_MS = 2_000;

/** What is used of a simple-peer instance (lite.js of @thaunknown/simple-peer). */
export interface WebRtcPeer {
  /** True on the side that made the offer. */
  readonly initiator: boolean;
  /** The remote tracker peer id (hex), set by bittorrent-tracker. */
  readonly id?: string;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly destroyed: boolean;
  write(chunk: Uint8Array): boolean;
  destroy(error?: Error): void;
  pause(): unknown;
  resume(): unknown;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'connect' | 'close' | 'drain' | 'disconnect' | 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'connect' | 'close' | 'drain' | 'disconnect', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

class ChannelByteStream extends Duplex {
  /** The peer connection is closed or closing (its side ended it). */
  private gone = false;
  /** Resumes the write waiting for the peer's 'drain', if one is. */
  private held: (() => void) | undefined;

  constructor(private readonly peer: WebRtcPeer) {
    super();
    peer.on('data', (chunk) => {
      if (!this.push(chunk)) peer.pause();
    });
    // A remote close may come as only an 'end' or a 'disconnect' (see above).
    const lost = (): void => {
      this.gone = true;
      this.destroy();
    };
    for (const event of ['close', 'disconnect', 'end'] as const) peer.on(event, lost);
    peer.on('error', (error) => {
      this.gone = true;
      this.destroy(error);
    });
  }

  override _read(done: (error: Error | null) => void): void {
    this.peer.resume();
    done(null);
  }

  override _write(chunk: Uint8Array, done: (error: Error | null) => void): void {
    let offset = 0;
    const next = (): void => {
      this.held = undefined;
      while (!this.closing()) {
        if (offset >= chunk.length) return done(null);
        const piece = chunk.subarray(offset, offset + CHANNEL_PIECE_BYTES);
        offset += piece.length;
        // A write that failed (the peer closed under it) is not waited on.
        if (!this.peer.write(piece) && !this.closing()) {
          this.held = next;
          this.peer.once('drain', next);
          return;
        }
      }
      done(new Error('data channel closed'));
    };
    next();
  }

  /**
   * A write held for a drain that will never come (the peer closed) would keep streamx from
   * ever running _destroy, so the stream would never close: it finishes, failed, instead.
   */
  override _predestroy(): void {
    const held = this.held;
    if (!held) return;
    this.peer.off('drain', held);
    held();
  }

  private closing(): boolean {
    return this.destroying || this.peer.destroyed;
  }

  /** Closes the peer connection and finishes once it is closed, or after CHANNEL_CLOSE_WAIT_MS. */
  override _destroy(done: (error: Error | null) => void): void {
    if (this.gone || this.peer.destroyed) {
      if (!this.peer.destroyed) this.peer.destroy();
      return done(null);
    }
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      done(null);
    };
    const timer = setTimeout(finish, CHANNEL_CLOSE_WAIT_MS);
    this.peer.once('close', finish);
    this.peer.once('disconnect', finish);
    this.peer.destroy();
  }
}

/** The connected `peer` as a byte stream for `attachStream`; ending either ends both. */
export function channelByteStream(peer: WebRtcPeer): ByteStream {
  // streamx's duplex has everything the wire and attachStream use, not Node's typings.
  return new ChannelByteStream(peer) as unknown as ByteStream;
}
