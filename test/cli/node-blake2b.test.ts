/**
 * Native BLAKE2b (cli/node-blake2b.ts, over sodium-native) is libsodium's WebAssembly's byte for
 * byte, keyed or not, at every output length, over inputs split any way; out-of-range lengths
 * throw in both. The RFC 7693 vector pins both to BLAKE2b itself.
 */
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../src/core/bytes';
import { hash, initCrypto, sodiumBlake2b, useBlake2b, type Blake2b } from '../../src/core/crypto';
import { nodeBlake2b } from '../../src/cli/node-blake2b';

beforeAll(initCrypto);
afterEach(() => useBlake2b(undefined));

/** Native BLAKE2b, with nothing behind it: a length it does not take throws. */
const native: Blake2b = nodeBlake2b(() => {
  throw new Error('not native');
})!;
/** As the CLI puts it in place: libsodium's WebAssembly for lengths native refuses. */
const asUsed: Blake2b = nodeBlake2b(sodiumBlake2b)!;

/** `hash` with the BLAKE2b `impl` in place. */
function hashWith(impl: Blake2b | undefined, ...args: Parameters<typeof hash>): string {
  useBlake2b(impl);
  return toHex(hash(...args));
}

describe('nodeBlake2b', () => {
  it('loads on this machine (sodium-native has a build for it)', () => {
    expect(native).toBeTypeOf('function');
  });

  it('meets RFC 7693 appendix A (BLAKE2b-512 of "abc")', () => {
    expect(toHex(native(64, [utf8('abc')], undefined))).toBe(
      'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1' +
        '7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
    );
  });

  it('hashes to the bytes libsodium WebAssembly hashes to', () => {
    const parts = fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.integer({ min: 0, max: 300_000 }).map((n) => new Uint8Array(n).map((_, i) => i * 7)),
      ),
      { maxLength: 4 },
    );
    const key = fc.option(fc.uint8Array({ minLength: 16, maxLength: 64 }), { nil: undefined });
    fc.assert(
      fc.property(parts, fc.integer({ min: 16, max: 64 }), key, (ps, n, k) => {
        expect(hashWith(native, 'test/ctx', n, ps, k)).toBe(
          hashWith(undefined, 'test/ctx', n, ps, k),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('agrees with libsodium on every output and key length, taking or refusing it', () => {
    const outcome = (impl: Blake2b | undefined, n: number, k: number | undefined): string => {
      try {
        return hashWith(impl, 'test/ctx', n, [utf8('x')], k === undefined ? k : new Uint8Array(k));
      } catch {
        return 'refused';
      }
    };
    const outcomes = new Set<string>();
    for (let n = 0; n <= 65; n++) {
      for (const k of [undefined, 0, 1, 15, 16, 32, 64, 65]) {
        const theirs = outcome(undefined, n, k);
        expect(outcome(asUsed, n, k)).toBe(theirs);
        outcomes.add(theirs === 'refused' ? 'refused' : 'hashed');
      }
    }
    expect([...outcomes].sort()).toEqual(['hashed', 'refused']);
    expect(outcome(native, 32, 32)).toBe(outcome(undefined, 32, 32)); // native, not the fallback
  });
});
