import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  blockKeys,
  decryptBlock,
  encryptBlock,
  encryptStream,
  openStoredBlock,
  verifyBlock,
  type BlockKeys,
  type EncryptedBlock,
} from '../../src/core/blocks';
import { bytesEqual, concatBytes } from '../../src/core/bytes';
import { chunkStream } from '../../src/core/chunker';
import { aeadSeal } from '../../src/core/crypto';
import { isPeerfoldError, type ErrorCode } from '../../src/core/errors';
import { ADDRESS_BYTES, open, SEAL_OVERHEAD } from '../../src/core/objects';
import { prng } from '../helpers/fuzz';

const SMALL = { min: 256, avg: 1024, max: 4096 };
let keys: BlockKeys;
let otherShare: BlockKeys;
beforeAll(() => {
  keys = blockKeys(new Uint8Array(32).fill(1));
  otherShare = blockKeys(new Uint8Array(32).fill(2));
});

function randomData(length: number, seed: number): Uint8Array {
  const rnd = prng(seed);
  return Uint8Array.from({ length }, () => rnd() * 256);
}

function codeOf(f: () => unknown): ErrorCode | 'none' | 'untyped' {
  try {
    f();
    return 'none';
  } catch (e) {
    return isPeerfoldError(e) ? e.code : 'untyped';
  }
}

async function* pieces(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < data.length; o += size) {
    await Promise.resolve();
    yield data.subarray(o, o + size);
  }
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

describe('blocks', () => {
  it('round-trips any plaintext, sealed to size + overhead under a 32-byte address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000, size: 'max' }), (plaintext) => {
        const block = encryptBlock(keys, plaintext);
        expect(block.size).toBe(plaintext.length);
        expect(block.bytes.length).toBe(plaintext.length + SEAL_OVERHEAD);
        expect(block.address).toHaveLength(ADDRESS_BYTES);
        expect(decryptBlock(keys, block.address, block.bytes)).toEqual(plaintext);
      }),
    );
  });

  it('is deterministic within a share and unrelated across shares', () => {
    const plaintext = randomData(3000, 1);
    const [a, b] = [
      encryptBlock(keys, plaintext),
      encryptBlock(blockKeys(new Uint8Array(32).fill(1)), plaintext),
    ];
    expect(b.bytes).toEqual(a.bytes);
    expect(b.address).toEqual(a.address);
    const c = encryptBlock(otherShare, plaintext);
    expect(bytesEqual(c.bytes, a.bytes)).toBe(false);
    expect(bytesEqual(c.address, a.address)).toBe(false);
    const d = encryptBlock(keys, randomData(3000, 2));
    expect(bytesEqual(d.address, a.address)).toBe(false);
  });

  it('detects a flipped bit anywhere in a block, with no key (Store peers) and with one', () => {
    const block = encryptBlock(keys, randomData(100, 3));
    expect(verifyBlock(block.address, block.bytes)).toBe(true);
    for (let bit = 0; bit < block.bytes.length * 8; bit++) {
      const damaged = block.bytes.slice();
      damaged[bit >> 3]! ^= 1 << (bit & 7);
      expect(verifyBlock(block.address, damaged)).toBe(false);
      expect(codeOf(() => decryptBlock(keys, block.address, damaged))).toBe('bad-address');
    }
    // a damaged address, a truncated one, and truncated bytes are refused too
    const address = block.address.slice();
    address[31]! ^= 0x80;
    expect(verifyBlock(address, block.bytes)).toBe(false);
    expect(verifyBlock(block.address.subarray(0, 31), block.bytes)).toBe(false);
    expect(verifyBlock(block.address, block.bytes.subarray(1))).toBe(false);
  });

  it("refuses another share's valid block as decrypt-failed, not bad-address", () => {
    const foreign = encryptBlock(otherShare, randomData(500, 4));
    expect(verifyBlock(foreign.address, foreign.bytes)).toBe(true);
    expect(codeOf(() => decryptBlock(keys, foreign.address, foreign.bytes))).toBe('decrypt-failed');
    expect(decryptBlock(otherShare, foreign.address, foreign.bytes)).toEqual(randomData(500, 4));
  });

  it('opens a block read from a store without hashing it, refusing bytes of another share', () => {
    const block = encryptBlock(keys, randomData(700, 7));
    expect(openStoredBlock(keys, block.bytes)).toEqual(randomData(700, 7));
    expect(codeOf(() => openStoredBlock(otherShare, block.bytes))).toBe('decrypt-failed');
    const damaged = block.bytes.slice();
    damaged[40]! ^= 1;
    expect(codeOf(() => openStoredBlock(keys, damaged))).toBe('decrypt-failed');
  });

  it('derives the nonce again where bytes were not checked against an address, not for a stored block', () => {
    // Sealed with a nonce of the sealer's own: opens under the key, breaks determinism.
    const plaintext = randomData(600, 8);
    const nonce = new Uint8Array(24).fill(9);
    const sealed = concatBytes(nonce, aeadSeal(keys.seal.key, nonce, plaintext));
    expect(codeOf(() => open(keys.seal, sealed))).toBe('decrypt-failed');
    expect(openStoredBlock(keys, sealed)).toEqual(plaintext);
    const honest = encryptBlock(keys, plaintext);
    expect(open(keys.seal, honest.bytes)).toEqual(plaintext);
  });

  it('streams a file into the blocks of its chunks, identical blocks stored once', async () => {
    const unit = randomData(20_000, 5);
    const data = concatBytes(unit, randomData(7000, 6), unit); // the repeat dedupes
    const blocks = await collect(encryptStream(keys, pieces(data, 777), SMALL));
    const chunks = await collect(chunkStream(pieces(data, 4096), keys.gear, SMALL));
    expect(blocks.map((b) => b.size)).toEqual(chunks.map((c) => c.length));
    expect(blocks.map((b) => b.address)).toEqual(chunks.map((c) => encryptBlock(keys, c).address));
    const plain = blocks.map((b: EncryptedBlock) => decryptBlock(keys, b.address, b.bytes));
    expect(concatBytes(...plain)).toEqual(data);
    const distinct = new Set(blocks.map((b) => b.address.join()));
    expect(distinct.size).toBeLessThanOrEqual(blocks.length - 10); // ~16 of the repeat's chunks
    // the default parameters apply when none are given
    const big = await collect(encryptStream(keys, pieces(randomData(300_000, 7), 65536)));
    for (const b of big.slice(0, -1)) expect(b.size).toBeGreaterThanOrEqual(16 * 1024);
    expect(big.reduce((n, b) => n + b.size, 0)).toBe(300_000);
  });
});
