import { expect } from 'vitest';
import { PeerfoldError } from '../../src/core/errors';

/** A small seeded PRNG (mulberry32) so a failing fuzz case can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random and mutated inputs derived from valid samples: bit flips, byte changes, truncation,
 * insertion, deletion, duplication, splices of two samples, and pure noise.
 */
export function* fuzzInputs(
  samples: readonly Uint8Array[],
  count: number,
  seed = 1,
): Generator<Uint8Array> {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = (): Uint8Array => samples[int(samples.length)] ?? new Uint8Array(0);
  for (let i = 0; i < count; i++) {
    const base = pick().slice();
    const kind = int(8);
    if (kind === 7 || base.length === 0) {
      const noise = new Uint8Array(int(256));
      for (let k = 0; k < noise.length; k++) noise[k] = int(256);
      yield noise;
      continue;
    }
    const at = int(base.length);
    switch (kind) {
      case 0: {
        const flips = 1 + int(4);
        for (let k = 0; k < flips; k++) base[int(base.length)]! ^= 1 << int(8);
        yield base;
        break;
      }
      case 1:
        base[at] = int(256);
        yield base;
        break;
      case 2:
        yield base.subarray(0, at);
        break;
      case 3: {
        const extra = Uint8Array.from({ length: 1 + int(16) }, () => int(256));
        const out = new Uint8Array(base.length + extra.length);
        out.set(base.subarray(0, at));
        out.set(extra, at);
        out.set(base.subarray(at), at + extra.length);
        yield out;
        break;
      }
      case 4: {
        const n = 1 + int(Math.min(16, base.length - at));
        const out = new Uint8Array(base.length - n);
        out.set(base.subarray(0, at));
        out.set(base.subarray(at + n), at);
        yield out;
        break;
      }
      case 5: {
        const out = new Uint8Array(base.length * 2);
        out.set(base);
        out.set(base, base.length);
        yield out;
        break;
      }
      default: {
        const other = pick();
        const cut = int(other.length + 1);
        const out = new Uint8Array(at + other.length - cut);
        out.set(base.subarray(0, at));
        out.set(other.subarray(cut), at);
        yield out;
      }
    }
  }
}

/** Runs `parse`; it may succeed or throw a PeerfoldError, nothing else. Returns the outcome. */
export function parsesOrTypedError(parse: () => unknown): 'ok' | 'error' {
  try {
    parse();
    return 'ok';
  } catch (e) {
    expect(e, `untyped exception: ${String(e)}`).toBeInstanceOf(PeerfoldError);
    return 'error';
  }
}
