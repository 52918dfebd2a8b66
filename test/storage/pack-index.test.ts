/**
 * PackIndex's record of which objects this process has seen match their address: set by a
 * write of verified bytes or by a checked read, and never carried to an entry stored elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { PackIndex } from '../../src/storage/pack-index';

const address = (n: number): Uint8Array => new Uint8Array(32).fill(n);

describe('PackIndex checked entries', () => {
  it('an entry loaded from an idx is unchecked until a read marks it', () => {
    const index = new PackIndex();
    index.set(address(1), 0, 100, 4000);
    const at = index.get(address(1))!;
    expect(at.checked).toBe(false);
    index.markChecked(address(1), at);
    expect(index.get(address(1))).toEqual({ pack: 0, offset: 100, length: 4000, checked: true });
  });

  it('an entry written from verified bytes is checked', () => {
    const index = new PackIndex();
    index.set(address(2), 1, 8, 10, 0, true);
    expect(index.get(address(2))!.checked).toBe(true);
  });

  it('a mark for an old location does not check the object stored again elsewhere', () => {
    const index = new PackIndex();
    index.set(address(3), 0, 100, 4000);
    const old = index.get(address(3))!;
    index.delete(address(3));
    index.set(address(3), 2, 500, 4000);
    index.markChecked(address(3), old);
    expect(index.get(address(3))!.checked).toBe(false);
  });

  it('storing an address again resets its mark, and marks survive the table growing', () => {
    const index = new PackIndex();
    index.set(address(4), 0, 0, 1, 0, true);
    index.set(address(4), 0, 64, 1);
    expect(index.get(address(4))!.checked).toBe(false);
    const many = 5000;
    for (let i = 0; i < many; i++) {
      const key = new Uint8Array(32);
      new DataView(key.buffer).setUint32(0, i * 2654435761);
      key[31] = 7;
      index.set(key, 0, i, 1, 0, i % 2 === 0);
    }
    for (let i = 0; i < many; i++) {
      const key = new Uint8Array(32);
      new DataView(key.buffer).setUint32(0, i * 2654435761);
      key[31] = 7;
      expect(index.get(key)!.checked).toBe(i % 2 === 0);
    }
  });
});
