/**
 * A connected WebRTC peer (simple-peer) as the byte stream `attachStream` pipes through a wire,
 * built on streamx (the stream library of bittorrent-protocol and simple-peer themselves) rather
 * than node:stream, so it runs in a browser as well as in Node. Same contract as
 * webrtc-stream.ts: writes go out in 16 KiB pieces, each waiting for the peer to accept the
 * previous ones (simple-peer holds its write callback while the channel's `bufferedAmount` is
 * above 64 KiB), and the peer going away in any way ends the stream.
 */
import { Duplex } from 'streamx';
import type { ByteStream } from './stream-peer';
// Type only: webrtc-stream.ts extends node:stream's Duplex, which a browser bundle lacks.
import type { WebRtcPeer } from './webrtc-stream';

/** Data channel message size used for every write (as CHANNEL_CHUNK_BYTES of webrtc-stream.ts). */
export const CHANNEL_PIECE_BYTES = 16 * 1024;
/** How long a close waits for the peer connection to be closed (as in webrtc-stream.ts). */
export const CHANNEL_CLOSE_WAIT_MS = 2_000;

class ChannelByteStream extends Duplex {
  /** The peer connection is closed or closing (its side ended it). */
  private gone = false;

  constructor(private readonly peer: WebRtcPeer) {
    super();
    peer.on('data', (chunk) => {
      if (!this.push(chunk)) peer.pause();
    });
    // A remote close may come as only an 'end' or a 'disconnect' (see webrtc-stream.ts).
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
      while (offset < chunk.length) {
        if (this.peer.destroyed) return done(new Error('data channel closed'));
        const piece = chunk.subarray(offset, offset + CHANNEL_PIECE_BYTES);
        offset += piece.length;
        if (!this.peer.write(piece)) {
          // Resumes on drain; a close in between destroys the stream (and drops this write).
          this.peer.once('drain', next);
          return;
        }
      }
      done(null);
    };
    next();
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
