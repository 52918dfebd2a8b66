/**
 * readObject: checks the bytes against their address, and copies out bytes that are a small
 * part of a larger buffer (a pack store's read-ahead window), since a node's decoded addresses
 * are views into them and may be kept long.
 */
import { describe, expect, it } from 'vitest';
import { objectAddress } from '../../src/core/objects';
import type { ObjectStore } from '../../src/core/ports';
import { readObject } from '../../src/core/tree-io';

const storeOf = (address: Uint8Array, bytes: Uint8Array): ObjectStore => ({
  get: (a) => Promise.resolve(a === address ? bytes : undefined),
  has: (a) => Promise.resolve(a === address),
  put: () => Promise.resolve(),
});

describe('readObject', () => {
  it('copies bytes out of a much larger buffer, and keeps bytes that fill theirs', async () => {
    const window = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
    const inWindow = window.subarray(4096, 4096 + 3000);
    const address = objectAddress(inWindow);
    const got = await readObject(storeOf(address, inWindow), address);
    expect(got.buffer.byteLength).toBe(3000);
    expect(Array.from(got)).toEqual(Array.from(inWindow));

    const own = new Uint8Array(3000).fill(5);
    const ownAddress = objectAddress(own);
    expect(await readObject(storeOf(ownAddress, own), ownAddress)).toBe(own);
  });

  it('refuses bytes that do not hash to their address', async () => {
    const bytes = new Uint8Array(100).fill(1);
    const address = objectAddress(new Uint8Array(100).fill(2));
    await expect(readObject(storeOf(address, bytes), address)).rejects.toThrow('damaged');
  });
});
