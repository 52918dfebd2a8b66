/**
 * HChaCha20 (draft-irtf-cfrg-xchacha section 2.2): the subkey step of XChaCha20, which turns a
 * 256-bit key and the first 16 bytes of a 24-byte nonce into a ChaCha20 key. With it, a platform
 * whose own ChaCha20-Poly1305 takes only 12-byte nonces (Node's OpenSSL) computes exactly
 * libsodium's XChaCha20-Poly1305 (crypto.ts: `Aead`).
 */

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

function word(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
  );
}

function quarterRound(s: Uint32Array, a: number, b: number, c: number, d: number): void {
  let [x, y, z, w] = [s[a]!, s[b]!, s[c]!, s[d]!];
  x = (x + y) | 0;
  w = rotl(w ^ x, 16);
  z = (z + w) | 0;
  y = rotl(y ^ z, 12);
  x = (x + y) | 0;
  w = rotl(w ^ x, 8);
  z = (z + w) | 0;
  y = rotl(y ^ z, 7);
  [s[a], s[b], s[c], s[d]] = [x, y, z, w]; // stored modulo 2^32
}

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

/** The 32-byte subkey for `key` (32 bytes) and `nonce16` (the nonce's first 16 bytes). */
export function hchacha20(key: Uint8Array, nonce16: Uint8Array): Uint8Array {
  if (key.length !== 32 || nonce16.length !== 16) throw new Error('hchacha20: bad key or nonce');
  const s = new Uint32Array(16);
  s.set(SIGMA);
  for (let i = 0; i < 8; i++) s[4 + i] = word(key, 4 * i);
  for (let i = 0; i < 4; i++) s[12 + i] = word(nonce16, 4 * i);
  for (let round = 0; round < 10; round++) {
    quarterRound(s, 0, 4, 8, 12);
    quarterRound(s, 1, 5, 9, 13);
    quarterRound(s, 2, 6, 10, 14);
    quarterRound(s, 3, 7, 11, 15);
    quarterRound(s, 0, 5, 10, 15);
    quarterRound(s, 1, 6, 11, 12);
    quarterRound(s, 2, 7, 8, 13);
    quarterRound(s, 3, 4, 9, 14);
  }
  // The first and last rows of the state, without the final addition of ChaCha20's block.
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  [0, 1, 2, 3, 12, 13, 14, 15].forEach((w, i) => view.setUint32(4 * i, s[w]!, true));
  return out;
}
