/** The ObjectStore contract (src/core/ports.ts), run by every object store. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesEqual } from '../../src/core/bytes';
import { objectAddress } from '../../src/core/objects';
import type { ObjectStore } from '../../src/core/ports';
import { bytesFor, codeOf } from './drive-contract';

export interface ObjectStoreHarness {
  readonly store: ObjectStore;
  /**
   * Damages the stored copy of an object behind the store's back (where that can happen), and
   * returns the store to read it with: a store may trust what it wrote itself until it is opened
   * again (a torn write needs a crash), so such a harness reopens it.
   */
  corrupt?(address: Uint8Array): Promise<ObjectStore>;
  cleanup(): Promise<void>;
}

/** `corruptible`: the harness can `corrupt` a stored object, so recovery is tested too. */
export function objectStoreContract(
  name: string,
  make: () => Promise<ObjectStoreHarness>,
  { corruptible = false } = {},
): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let h: ObjectStoreHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(() => h.cleanup());

    it('stores and returns objects by address; absent ones are undefined', async () => {
      const { store } = h;
      const objects = [0, 1, 100, 300_000].map((n) => bytesFor(`obj-${n}`, n));
      for (const o of objects) await store.put(objectAddress(o), o);
      for (const o of objects) {
        expect(await store.has(objectAddress(o))).toBe(true);
        expect(bytesEqual((await store.get(objectAddress(o)))!, o)).toBe(true);
      }
      const absent = objectAddress(bytesFor('absent', 10));
      expect(await store.has(absent)).toBe(false);
      expect(await store.get(absent)).toBeUndefined();
    });

    it('is idempotent, and nobody can change a stored object through a buffer', async () => {
      const { store } = h;
      const o = bytesFor('idem', 1000);
      const a = objectAddress(o);
      const mine = o.slice();
      await store.put(a, mine);
      await store.put(a, o);
      mine.fill(0);
      const got = (await store.get(a))!;
      got.fill(1);
      expect(bytesEqual((await store.get(a))!, o)).toBe(true);
    });

    it('takes concurrent puts of the same object safely', async () => {
      const { store } = h;
      const o = bytesFor('race', 500_000);
      const a = objectAddress(o);
      await Promise.all(Array.from({ length: 8 }, () => store.put(a, o)));
      expect(bytesEqual((await store.get(a))!, o)).toBe(true);
    });

    it('rejects malformed addresses', async () => {
      const { store } = h;
      for (const bad of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33)]) {
        expect(await codeOf(store.get(bad))).toBe('bad-address');
        expect(await codeOf(store.has(bad))).toBe('bad-address');
        expect(await codeOf(store.put(bad, new Uint8Array(1)))).toBe('bad-address');
      }
    });

    if (corruptible) {
      it('treats a corrupt stored object as missing', async () => {
        const o = bytesFor('corrupt', 5000);
        const a = objectAddress(o);
        await h.store.put(a, o);
        const store = await h.corrupt!(a);
        expect(await store.get(a)).toBeUndefined();
        expect(await store.has(a)).toBe(false);
        await store.put(a, o); // fetched again
        expect(bytesEqual((await store.get(a))!, o)).toBe(true);
      });
    }
  });
}
