/**
 * Sends a session's messages as BEP 10 extended messages of the `peerfold` extension, framed in
 * place: the session encodes each message with FRAME_BYTES free in front of it (MessageSink's
 * headroom), and the frame goes out as one chunk. bittorrent-protocol's own `extended` copies
 * every message twice more (the extension id in front, then the frame) and writes the 5-byte
 * header as a chunk of its own, which a data channel sends as a message of its own. The sink
 * also says when the wire's transport is full, so the session waits before sending more.
 */
import type Wire from 'bittorrent-protocol';
import type { MessageSink } from '../core/session';
import { EXTENSION_NAME } from '../core/wire-types';

/** BEP 3's length prefix (4 bytes), message id 20 (extended), then BEP 10's extension id. */
export const FRAME_BYTES = 6;
const EXTENDED_MESSAGE_ID = 20;

/**
 * Bytes a wire may hold for its transport before the session waits: about 16 blocks, so a wait
 * ends while the transport still has plenty to send (a socket's kernel buffer, a data channel's
 * own), and a block spends milliseconds in memory, not the whole credit window's time.
 */
export const WIRE_QUEUE_BYTES = 1024 * 1024;

/**
 * MessageSink.room for `wire`: full while its readable side holds WIRE_QUEUE_BYTES or more
 * (bytes its transport has not taken yet); the wait ends when the wire asks for more (streamx
 * calls `_read` once it holds less than its high-water mark) or closes.
 */
function wireRoom(wire: Wire): () => Promise<void> | undefined {
  let waiting: (() => void)[] = [];
  const wake = (): void => {
    if (waiting.length === 0) return; // the common case: called on every drain
    const resolve = waiting;
    waiting = [];
    for (const f of resolve) f();
  };
  const read = wire._read.bind(wire);
  wire._read = (cb) => {
    wake();
    read(cb);
  };
  wire.on('close', wake);
  return () => {
    if (wire.destroyed || wire._readableState.buffered < WIRE_QUEUE_BYTES) return undefined;
    return new Promise((resolve) => waiting.push(resolve));
  };
}

/** A sink writing to `wire` while `live()`; the peer must have the extension (BEP 10 mapping). */
export function framedSink(wire: Wire, live: () => boolean): MessageSink {
  const send = (message: Uint8Array): void => {
    if (!live()) return;
    // Framed in place only when the message is exactly what encodeMessage made with our
    // headroom (its own buffer, the headroom in front): the bytes written are then ours.
    const ours =
      message.byteOffset === FRAME_BYTES &&
      message.buffer.byteLength === FRAME_BYTES + message.length;
    if (!ours) {
      wire.extended(EXTENSION_NAME, message); // the wire copies it
      return;
    }
    const frame = new Uint8Array(
      message.buffer,
      message.byteOffset - FRAME_BYTES,
      message.length + FRAME_BYTES,
    );
    new DataView(frame.buffer, frame.byteOffset, 4).setUint32(0, message.length + 2);
    frame[4] = EXTENDED_MESSAGE_ID;
    frame[5] = wire.peerExtendedMapping[EXTENSION_NAME]!;
    wire._push(frame);
  };
  return Object.assign(send, { headroom: FRAME_BYTES, room: wireRoom(wire) });
}
