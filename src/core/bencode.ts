/**
 * Canonical bencode: the one encoding of heads, index nodes and wire messages. The decoder is
 * strict (sorted unique dict keys, no leading zeros, safe integers, bounded depth, the whole
 * input consumed), so every value has exactly one encoding and signatures cannot be malleated.
 */
import { compareBytes, fromUtf8, utf8 } from './bytes';
import { PeerfoldError } from './errors';

export type BValue = number | Uint8Array | BValue[] | BDict;
export interface BDict {
  [key: string]: BValue;
}
/** What `encode` accepts: strings become UTF-8 byte strings, undefined dict values are left out. */
export type BInput = number | string | Uint8Array | readonly BInput[] | BInputDict;
export interface BInputDict {
  readonly [key: string]: BInput | undefined;
}

const MAX_DEPTH = 32;

/**
 * The bencoding of `value`. With `headroom`, the result is a view that starts that many bytes
 * into its own buffer, so a transport can write its framing in front without a copy.
 */
export function encode(value: BInput, headroom = 0): Uint8Array {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const push = (b: Uint8Array): void => {
    chunks.push(b);
    length += b.length;
  };
  const walk = (v: BInput, depth: number): void => {
    if (depth > MAX_DEPTH) throw new PeerfoldError('too-large', 'bencode nesting too deep');
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v))
        throw new PeerfoldError('malformed', `not a safe integer: ${v}`);
      push(utf8(`i${v}e`));
    } else if (typeof v === 'string') {
      const b = utf8(v);
      push(utf8(`${b.length}:`));
      push(b);
    } else if (v instanceof Uint8Array) {
      push(utf8(`${v.length}:`));
      push(v);
    } else if (Array.isArray(v)) {
      push(L);
      for (const item of v as readonly BInput[]) walk(item, depth + 1);
      push(E);
    } else {
      const dict = v as BInputDict;
      const keys = Object.keys(dict)
        .filter((k) => dict[k] !== undefined)
        .map((k) => [k, utf8(k)] as const)
        .sort((a, b) => compareBytes(a[1], b[1]));
      push(D);
      for (const [k, kb] of keys) {
        push(utf8(`${kb.length}:`));
        push(kb);
        walk(dict[k]!, depth + 1);
      }
      push(E);
    }
  };
  walk(value, 0);
  const out = new Uint8Array(headroom + length);
  let offset = headroom;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out.subarray(headroom);
}

const L = Uint8Array.of(0x6c);
const D = Uint8Array.of(0x64);
const E = Uint8Array.of(0x65);

const bad = (why: string): PeerfoldError => new PeerfoldError('malformed', `bencode: ${why}`);

/** Decodes exactly one canonical value filling all of `bytes`; anything else is `malformed`. */
export function decode(bytes: Uint8Array): BValue {
  let pos = 0;
  const readInt = (end: number): number => {
    const start = pos;
    let i = pos;
    if (bytes[i] === 0x2d) i++;
    const digitsStart = i;
    while (i < bytes.length && bytes[i]! >= 0x30 && bytes[i]! <= 0x39) i++;
    if (i === digitsStart || i - digitsStart > 16) throw bad('bad number');
    if (bytes[digitsStart] === 0x30 && (i - digitsStart > 1 || digitsStart > start)) {
      throw bad('non-canonical number');
    }
    if (bytes[i] !== end) throw bad('bad number terminator');
    let n = 0;
    for (let k = digitsStart; k < i; k++) n = n * 10 + (bytes[k]! - 0x30);
    if (!Number.isSafeInteger(n)) throw bad('number out of range');
    pos = i + 1;
    return digitsStart > start ? -n : n;
  };
  const readBytes = (): Uint8Array => {
    if (bytes[pos] === 0x2d) throw bad('negative length');
    const n = readInt(0x3a);
    if (n > bytes.length - pos) throw bad('string runs past the end');
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const walk = (depth: number): BValue => {
    if (depth > MAX_DEPTH) throw bad('nesting too deep');
    const c = bytes[pos];
    if (c === undefined) throw bad('unexpected end');
    if (c === 0x69) {
      pos++;
      return readInt(0x65);
    }
    if (c >= 0x30 && c <= 0x39) return readBytes();
    if (c === 0x6c) {
      pos++;
      const list: BValue[] = [];
      while (bytes[pos] !== 0x65) {
        if (pos >= bytes.length) throw bad('unterminated list');
        list.push(walk(depth + 1));
      }
      pos++;
      return list;
    }
    if (c === 0x64) {
      pos++;
      const dict: BDict = Object.create(null) as BDict;
      let previous: Uint8Array | undefined;
      while (bytes[pos] !== 0x65) {
        if (pos >= bytes.length) throw bad('unterminated dict');
        const c2 = bytes[pos]!;
        if (c2 < 0x30 || c2 > 0x39) throw bad('dict key is not a string');
        const key = readBytes();
        if (previous && compareBytes(previous, key) >= 0) throw bad('dict keys not sorted');
        previous = key;
        dict[fromUtf8(key)] = walk(depth + 1);
      }
      pos++;
      return dict;
    }
    throw bad(`unexpected byte 0x${c.toString(16)}`);
  };
  const value = walk(0);
  if (pos !== bytes.length) throw bad('trailing bytes');
  return value;
}
