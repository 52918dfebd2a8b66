import { utf8 } from '../../src/core/bytes';

/** Deterministic pseudo-random bytes (xorshift seeded by a hash of `label`), distinct per label. */
export function bytesFor(label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = 2166136261;
  for (const c of utf8(label)) x = Math.imul(x ^ c, 16777619) >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}
