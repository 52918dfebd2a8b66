/**
 * bittorrent-protocol's `_write` joins each chunk that arrives with the bytes left over from
 * the last one before it parses: over TCP, where a 64 KiB read rarely ends on a message
 * boundary, that copies every received byte once more (and allocates as much). This `_write`
 * keeps the chunks as they came and hands the parser views into them; only a message that
 * spans two chunks is copied, and only its own bytes, into memory its reader may keep as it is
 * (`ownsMemory`). Peer encryption (MSE/PE), which Peerfold never starts, stays with the
 * library's `_write`, which joins whatever is left first.
 */
import type Wire from 'bittorrent-protocol';

/** Memory of the messages `take` copied out: nobody else holds it (see ownsMemory). */
const copied = new WeakSet<ArrayBufferLike>();

/**
 * Whether `view` lies in memory this module copied a message into: the message's reader may
 * keep views into it without copying it again (a view into a network chunk shares the chunk).
 */
export const ownsMemory = (view: Uint8Array): boolean => copied.has(view.buffer);

export function parseWithoutJoining(wire: Wire): void {
  const joining = wire._write.bind(wire);
  wire._write = (data: Uint8Array, done: (error: Error | null) => void): void => {
    if (wire._encryptor || wire._cryptoSyncPattern || wire._pePending) return joining(data, done);
    wire._buffer.push(data);
    wire._bufferSize += data.length;
    // The parser sets the next size (and may end the wire: then it parses nothing more).
    while (wire._bufferSize >= wire._parserSize && !wire.destroyed) {
      const size = wire._parserSize;
      wire._bufferSize -= size;
      wire._parser(take(wire._buffer, size));
    }
    done(null);
  };
}

/** The first `size` bytes of `chunks` (removed from it): a view if one chunk holds them all. */
function take(chunks: Uint8Array[], size: number): Uint8Array {
  const first = chunks[0];
  if (size === 0 || !first) return new Uint8Array(0);
  if (first.length >= size) {
    if (first.length === size) chunks.shift();
    else chunks[0] = first.subarray(size);
    return first.subarray(0, size);
  }
  const out = new Uint8Array(size);
  copied.add(out.buffer);
  for (let at = 0; at < size;) {
    const chunk = chunks[0]!;
    const n = Math.min(chunk.length, size - at);
    out.set(chunk.subarray(0, n), at);
    at += n;
    if (n === chunk.length) chunks.shift();
    else chunks[0] = chunk.subarray(n);
  }
  return out;
}
