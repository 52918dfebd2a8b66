/** Byte helpers shared by the core: no platform APIs, so the core runs anywhere. */
import { PeerfoldError } from './errors';

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Byte-wise order, the order of every sorted list in the protocol. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const HEX = '0123456789abcdef';

/** Each byte's two hex digits. */
const BYTE_HEX = Array.from({ length: 256 }, (_, b) => HEX[b >> 4]! + HEX[b & 15]!);

/**
 * Lowercase hex of `bytes`, as one flat string: joined, not built with `+=`, which leaves a
 * rope of ~50 cons-string pieces (about 1.5 KB for an address) in every Map and Set key.
 */
export function toHex(bytes: Uint8Array): string {
  const digits = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) digits[i] = BYTE_HEX[bytes[i]!]!;
  return digits.join('');
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) {
    throw new PeerfoldError('malformed', 'not lowercase hex');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** UTF-8 encoding of a string; lone surrogates are rejected rather than replaced. */
export function utf8(text: string): Uint8Array {
  // At most 3 bytes per UTF-16 unit (a surrogate pair is 2 units and 4 bytes).
  const out = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new PeerfoldError('malformed', 'lone surrogate');
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw new PeerfoldError('malformed', 'lone surrogate');
    }
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    } else {
      out[n++] = 0xf0 | (c >> 18);
      out[n++] = 0x80 | ((c >> 12) & 63);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return out.slice(0, n);
}

/** Strict UTF-8 decoding: overlong forms, surrogates and truncated sequences are errors. */
export function fromUtf8(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    let c: number;
    let n: number;
    if (b < 0x80) [c, n] = [b, 0];
    else if (b >= 0xc2 && b < 0xe0) [c, n] = [b & 31, 1];
    else if (b >= 0xe0 && b < 0xf0) [c, n] = [b & 15, 2];
    else if (b >= 0xf0 && b < 0xf5) [c, n] = [b & 7, 3];
    else throw new PeerfoldError('malformed', 'invalid UTF-8');
    for (let k = 1; k <= n; k++) {
      const x = bytes[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) {
        throw new PeerfoldError('malformed', 'invalid UTF-8');
      }
      c = (c << 6) | (x & 63);
    }
    const min = [0, 0x80, 0x800, 0x10000][n]!;
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
      throw new PeerfoldError('malformed', 'invalid UTF-8');
    }
    s += String.fromCodePoint(c);
    i += n + 1;
  }
  return s;
}
