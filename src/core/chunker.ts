/**
 * Content-defined chunking (DESIGN.md section 3): FastCDC with a gear hash and normalized
 * chunking level 2, over a stream, holding at most one partial chunk (`max` bytes).
 *
 * Algorithm (the protocol; every peer of a share must cut identically):
 *
 *   Parameters: integers min, avg, max with 64 <= min < avg < max <= 2^30, avg = 2^bits a power
 *   of two with 8 <= bits <= 28. G is the share's gear table (256 uint32, see gearTable).
 *   maskS = the top (bits + 2) bits of a uint32 set, all others clear (harder to match);
 *   maskL = the top (bits - 2) bits set (easier). For avg = 64 KiB: maskS = 0xffffc000,
 *   maskL = 0xfffc0000. High bits, since bit j of the hash depends on the last j + 1 bytes.
 *
 *   A chunk starts at the beginning of the file or right after the previous cut. Let L be the
 *   length of the chunk so far, counting the byte just read, and
 *     h(L) = (sum over j = 0..31 of G[chunk[L - 1 - j]] * 2^j) mod 2^32,
 *   the gear hash of the last 32 bytes (all inside the chunk, as L >= min >= 64). It equals the
 *   rolling form h = ((h << 1) + G[byte]) mod 2^32 started from h = 0 at any offset <= L - 32,
 *   since older bytes are shifted out; this code starts it at offset min - 32 and reads nothing
 *   before (the "min skip"). Cut right after the byte (chunk length L) at the first L with
 *     min <= L < avg  and  h(L) & maskS == 0,   or
 *     avg <= L < max  and  h(L) & maskL == 0,   or
 *     L == max.
 *   The next chunk starts after it (h reset). At the end of the stream the rest, if any, is the
 *   last chunk (1..max bytes). So every chunk but the last has min..max bytes; an empty stream
 *   has no chunks.
 *
 * A cut depends only on the 32 bytes before it and on where its chunk starts, so an edit moves
 * only nearby cuts. Where a cut moves, the following chunks may start off the old cuts for a
 * few chunks (normalization makes a cut depend on its chunk's start) until one lands on an old
 * cut; from there on all chunks are as before (see the measurements in chunker.test.ts).
 */
import { deriveKey, hash } from './crypto';

export interface ChunkingParams {
  readonly min: number;
  readonly avg: number;
  readonly max: number;
}

/** On random data the chunks average ~74.8 KB: the min skip and normalization add ~14%. */
export const DEFAULT_CHUNKING: ChunkingParams = { min: 16 * 1024, avg: 64 * 1024, max: 192 * 1024 };

/** Bytes that decide a cut: the gear hash forgets a byte after 32 shifts. */
const WINDOW = 32;

/**
 * The share's gear table: G[16c + k] = little-endian uint32 k of the 64-byte keyed BLAKE2b
 * block c (c = 0..15), block c = hash('peerfold/v1/chunk-gear', 64, [byte c], gearKey) with
 * gearKey = deriveKey(readKey, 'peerfold/v1/chunk-gear-key'). Keyed so that cut points (and so
 * block sizes) of the same file differ between shares and fingerprint no content.
 */
export function gearTable(readKey: Uint8Array): Uint32Array {
  const key = deriveKey(readKey, 'peerfold/v1/chunk-gear-key');
  const table = new Uint32Array(256);
  for (let c = 0; c < 16; c++) {
    const block = hash('peerfold/v1/chunk-gear', 64, [Uint8Array.of(c)], key);
    for (let k = 0; k < 16; k++) {
      const o = 4 * k;
      table[16 * c + k] =
        (block[o]! | (block[o + 1]! << 8) | (block[o + 2]! << 16) | (block[o + 3]! << 24)) >>> 0;
    }
  }
  return table;
}

function checkParams({ min, avg, max }: ChunkingParams): number {
  const bits = Math.log2(avg);
  const ok =
    Number.isInteger(min) &&
    Number.isInteger(max) &&
    Number.isInteger(bits) &&
    bits >= 8 &&
    bits <= 28 &&
    min >= 2 * WINDOW &&
    min < avg &&
    avg < max &&
    max <= 2 ** 30;
  if (!ok) throw new RangeError(`bad chunking parameters ${min}/${avg}/${max}`);
  return bits;
}

/** Masks as int32: the hash is kept as an int32 (same low 32 bits) so V8 never boxes it. */
const topBits = (n: number): number => -1 << (32 - n);
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Push-style chunker: feed it the stream in pieces of any size, get completed chunks back. */
export class Chunker {
  private readonly gear: Uint32Array;
  private readonly min: number;
  private readonly avg: number;
  private readonly max: number;
  private readonly maskS: number;
  private readonly maskL: number;
  /**
   * The current partial chunk, buf[0, len), and the gear hash over its tail. The buffer grows to
   * `max` only as needed: most files of a large folder are far smaller than one chunk.
   */
  private buf = new Uint8Array(0);
  private len = 0;
  private h = 0;

  constructor(gear: Uint32Array, params: ChunkingParams = DEFAULT_CHUNKING) {
    if (gear.length !== 256) throw new RangeError('a gear table has 256 entries');
    const bits = checkParams(params);
    this.gear = gear;
    ({ min: this.min, avg: this.avg, max: this.max } = params);
    this.maskS = topBits(bits + 2);
    this.maskL = topBits(bits - 2);
  }

  /** Appends `data` to the partial chunk (never beyond `max`: scan cuts there). */
  private keep(data: Uint8Array): void {
    const need = this.len + data.length;
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.min(this.max, Math.max(need, this.buf.length * 2)));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(data, this.len);
    this.len = need;
  }

  /** Returns the chunks that `data` completes, as fresh copies; `data` may be reused after. */
  push(data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < data.length) {
      const cut = this.scan(data, i);
      if (cut < 0) {
        this.keep(data.subarray(i));
        break;
      }
      if (this.len === 0) {
        out.push(data.slice(i, cut)); // the whole chunk is in `data`: copy it once
      } else {
        this.keep(data.subarray(i, cut));
        out.push(this.buf.slice(0, this.len));
      }
      this.len = 0;
      this.h = 0;
      i = cut;
    }
    return out;
  }

  /** Ends the stream: returns the last, possibly short, chunk and resets for a new stream. */
  finish(): Uint8Array | undefined {
    let last: Uint8Array | undefined;
    if (this.len === this.buf.length && this.len > 0) {
      last = this.buf; // exactly the chunk (a small file's only one): handed over, not copied
      this.buf = new Uint8Array(0);
    } else if (this.len > 0) {
      last = this.buf.slice(0, this.len);
    }
    this.len = 0;
    this.h = 0;
    return last;
  }

  /**
   * Reads data[from..] as the continuation of the current chunk; returns the index just past
   * the cut, or -1 if the chunk goes on past the end of `data` (this.h then carries over).
   */
  private scan(data: Uint8Array, from: number): number {
    const n = data.length;
    const base = this.len - from; // data[i] is byte base + i of the chunk, so L = base + i + 1
    let i = Math.max(from, Math.min(n, this.min - WINDOW - base)); // the min skip
    const warm = Math.min(n, this.min - 1 - base);
    const g = this.gear;
    let h = this.h;
    for (; i < warm; i++) h = ((h << 1) + g[data[i]!]!) | 0;
    this.h = h;
    const endS = Math.min(n, this.avg - 1 - base);
    let cut = this.find(data, i, endS, this.maskS);
    if (cut >= 0) return cut;
    i = Math.max(i, endS);
    const endL = Math.min(n, this.max - 1 - base);
    cut = this.find(data, i, endL, this.maskL);
    if (cut >= 0) return cut;
    i = Math.max(i, endL);
    return i < n ? i + 1 : -1; // L == max: a forced cut
  }

  /**
   * Rolls the hash over data[i, stop), testing `mask` after each byte; returns the index just
   * past the first match, or -1. The hot loop: reading aligned 32-bit words (little-endian
   * platforms) halves the bounds-checked loads and doubles throughput in V8.
   */
  private find(data: Uint8Array, i: number, stop: number, mask: number): number {
    const g = this.gear;
    let h = this.h;
    const head = LITTLE_ENDIAN ? Math.min(stop, i + ((4 - ((data.byteOffset + i) & 3)) & 3)) : stop;
    for (; i < head; i++) {
      h = ((h << 1) + g[data[i]!]!) | 0;
      if ((h & mask) === 0) return i + 1;
    }
    if (stop - i >= 4) {
      const words = new Uint32Array(data.buffer, data.byteOffset + i, (stop - i) >> 2);
      for (let k = 0; k < words.length; k++, i += 4) {
        const x = words[k]!;
        h = ((h << 1) + g[x & 255]!) | 0;
        if ((h & mask) === 0) return i + 1;
        h = ((h << 1) + g[(x >>> 8) & 255]!) | 0;
        if ((h & mask) === 0) return i + 2;
        h = ((h << 1) + g[(x >>> 16) & 255]!) | 0;
        if ((h & mask) === 0) return i + 3;
        h = ((h << 1) + g[x >>> 24]!) | 0;
        if ((h & mask) === 0) return i + 4;
      }
    }
    for (; i < stop; i++) {
      h = ((h << 1) + g[data[i]!]!) | 0;
      if ((h & mask) === 0) return i + 1;
    }
    this.h = h;
    return -1;
  }
}

/** Chunks an async byte stream; memory is one partial chunk whatever the stream's length. */
export async function* chunkStream(
  source: AsyncIterable<Uint8Array>,
  gear: Uint32Array,
  params: ChunkingParams = DEFAULT_CHUNKING,
): AsyncGenerator<Uint8Array, void, undefined> {
  const chunker = new Chunker(gear, params);
  for await (const data of source) yield* chunker.push(data);
  const last = chunker.finish();
  if (last) yield last;
}
