/**
 * Node's XChaCha20-Poly1305 (cli/node-aead.ts, over OpenSSL and core/hchacha20.ts) is libsodium's
 * byte for byte: it seals to the same bytes, opens what libsodium sealed, and refuses what was
 * altered. HChaCha20 also meets the test vector of draft-irtf-cfrg-xchacha section 2.2.1.
 */
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/core/bytes';
import { aeadOpen, aeadSeal, initCrypto, useAead, type Aead } from '../../src/core/crypto';
import { hchacha20 } from '../../src/core/hchacha20';
import { nodeAead } from '../../src/cli/node-aead';

beforeAll(initCrypto);
afterEach(() => useAead(undefined));

/** libsodium's own, reached through core/crypto.ts before any other is put in its place. */
const sodium: Aead = {
  seal: (k, n, p) => aeadSeal(k, n, p),
  open: (k, n, c) => {
    try {
      return aeadOpen(k, n, c);
    } catch {
      return undefined;
    }
  },
};

const same = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined && Buffer.from(a).equals(Buffer.from(b));

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const nonce = fc.uint8Array({ minLength: 24, maxLength: 24 });
const plaintext = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.integer({ min: 0, max: 70_000 }).map((n) => new Uint8Array(n).map((_, i) => i * 7)),
);

describe('hchacha20', () => {
  it('meets the draft test vector', () => {
    const k = Uint8Array.from({ length: 32 }, (_, i) => i);
    const n = fromHex('000000090000004a0000000031415927');
    expect(toHex(hchacha20(k, n))).toBe(
      '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc',
    );
  });
});

describe('nodeAead', () => {
  it('seals to the bytes libsodium seals to, and each opens the other', () => {
    fc.assert(
      fc.property(key, nonce, plaintext, (k, n, p) => {
        const theirs = sodium.seal(k, n, p);
        const ours = nodeAead.seal(k, n, p);
        expect(same(ours, theirs)).toBe(true);
        expect(same(nodeAead.open(k, n, theirs), p)).toBe(true);
        expect(same(sodium.open(k, n, ours), p)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a ciphertext with any byte changed, a wrong key or nonce, or too few bytes', () => {
    fc.assert(
      fc.property(
        key,
        nonce,
        plaintext,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (k, n, p, at, x) => {
          const sealed = nodeAead.seal(k, n, p);
          const bad = sealed.slice();
          bad[at % bad.length]! ^= x;
          expect(nodeAead.open(k, n, bad)).toBeUndefined();
          const otherKey = k.slice();
          otherKey[at % 32]! ^= x;
          expect(nodeAead.open(otherKey, n, sealed)).toBeUndefined();
          const otherNonce = n.slice();
          otherNonce[at % 24]! ^= x;
          expect(nodeAead.open(k, otherNonce, sealed)).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
    const open = (k: number, n: number, c: number) =>
      nodeAead.open(new Uint8Array(k), new Uint8Array(n), new Uint8Array(c));
    expect(open(32, 24, 15)).toBeUndefined(); // shorter than a tag
    expect(open(31, 24, 16)).toBeUndefined(); // not a key
    expect(open(32, 12, 16)).toBeUndefined(); // not an XChaCha nonce
  });

  it('put in place with useAead, serves aeadSeal and aeadOpen; a forgery is decrypt-failed', () => {
    const k = new Uint8Array(32).fill(1);
    const n = new Uint8Array(24).fill(2);
    const sealed = sodium.seal(k, n, new Uint8Array([1, 2, 3]));
    useAead(nodeAead);
    expect(toHex(aeadSeal(k, n, new Uint8Array([1, 2, 3])))).toBe(toHex(sealed));
    expect(aeadOpen(k, n, sealed)).toEqual(new Uint8Array([1, 2, 3]));
    sealed[0]! ^= 1;
    expect(() => aeadOpen(k, n, sealed)).toThrow(
      expect.objectContaining({ code: 'decrypt-failed' }),
    );
  });
});
