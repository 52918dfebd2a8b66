/**
 * A WebRTC peer (simple-peer, a streamx duplex over one data channel) as the byte stream a
 * BitTorrent wire pipes through. Two things the data channel needs that the wire does not do:
 * - messages no larger than every endpoint accepts: the wire writes a whole Peerfold message
 *   (up to 257 KiB) at once, above the 256 KiB limit of browsers and libdatachannel, so writes
 *   are cut into 16 KiB pieces (the size every WebRTC stack takes);
 * - backpressure: a piece waits until the peer accepted the previous ones (simple-peer holds
 *   its write callback while the channel's `bufferedAmount` is above 64 KiB), so the channel's
 *   buffer stays bounded and is never overrun (DESIGN.md section 11).
 */
import { Duplex } from 'node:stream';

/** How long a close waits for the peer connection to be closed. */
export const CLOSE_WAIT_MS = 2_000;

/** Data channel message size used for every write. */
export const CHANNEL_CHUNK_BYTES = 16 * 1024;

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

class ChannelStream extends Duplex {
  /** The peer connection is closed or closing (its side ended it). */
  private gone = false;

  constructor(private readonly peer: WebRtcPeer) {
    super({ allowHalfOpen: false });
    peer.on('data', (chunk) => {
      if (!this.push(chunk)) peer.pause();
    });
    // When the remote end closes the channel, simple-peer only ends its stream and tears the
    // connection down with a 'disconnect': a write held for backpressure then never finishes,
    // so 'close' may never come. Any of these means the peer is gone.
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

  override _read(): void {
    this.peer.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (e?: Error) => void): void {
    let offset = 0;
    const next = (): void => {
      while (offset < chunk.length) {
        if (this.peer.destroyed) return done(new Error('data channel closed'));
        const piece = chunk.subarray(offset, offset + CHANNEL_CHUNK_BYTES);
        offset += piece.length;
        if (!this.peer.write(piece)) {
          // Resumes on drain; a close in between ends the stream (and drops this write).
          this.peer.once('drain', next);
          return;
        }
      }
      done();
    };
    next();
  }

  /**
   * Closes the peer connection and finishes once it is closed (or after CLOSE_WAIT_MS): the
   * remote side learns of the close only if the process lives until it is sent, and a UDP
   * path going silent is noticed by nobody for a long time.
   */
  override _destroy(error: Error | null, done: (e: Error | null) => void): void {
    if (this.gone || this.peer.destroyed) {
      if (!this.peer.destroyed) this.peer.destroy();
      return done(error);
    }
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      done(error);
    };
    const timer = setTimeout(finish, CLOSE_WAIT_MS);
    this.peer.once('close', finish);
    this.peer.once('disconnect', finish);
    this.peer.destroy();
  }
}

/** The connected `peer` as a Node duplex of bytes; ending either ends both. */
export function channelStream(peer: WebRtcPeer): Duplex {
  return new ChannelStream(peer);
}
