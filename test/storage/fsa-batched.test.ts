/**
 * batched (storage/fsa-fs.ts): the pieces a browser file write is sent in. Same bytes in the
 * same order, each piece at least the minimum except the last, and a chunk already large enough
 * passed on as it is.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/core/bytes';
import { batched } from '../../src/storage/fsa-fs';

async function collect(data: Iterable<Uint8Array>, min: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const piece of batched(data, min)) out.push(piece);
  return out;
}

describe('batched', () => {
  it('keeps the bytes and their order, every piece but the last at least the minimum', async () => {
    const chunks = fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(chunks, fc.integer({ min: 1, max: 64 }), async (data, min) => {
        const pieces = await collect(data, min);
        expect(concatBytes(...pieces)).toEqual(concatBytes(...data));
        for (const p of pieces.slice(0, -1)) expect(p.length).toBeGreaterThanOrEqual(min);
        for (const p of pieces) expect(p.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('passes a chunk of the minimum size or more on without copying it', async () => {
    const big = new Uint8Array(8).fill(7);
    const pieces = await collect([new Uint8Array([1, 2]), new Uint8Array(6), big], 8);
    expect(pieces).toHaveLength(2);
    expect(pieces[0]).toEqual(new Uint8Array([1, 2, 0, 0, 0, 0, 0, 0]));
    expect(pieces[1]).toBe(big);
  });

  it('yields nothing for no data', async () => {
    expect(await collect([], 4)).toEqual([]);
    expect(await collect([new Uint8Array(0)], 4)).toEqual([]);
  });
});
