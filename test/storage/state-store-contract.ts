/** The StateStore contract (src/core/drive.ts), run by every state store. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../../src/core/bytes';
import { getJson, putJson, type StateStore } from '../../src/core/drive';
import { codeOf } from './drive-contract';

export interface StateStoreHarness {
  readonly store: StateStore;
  /** The same storage opened afresh (persistent stores only). */
  reopen?(): StateStore;
  cleanup(): Promise<void>;
}

/** `persistent`: the harness can `reopen` the same storage, so persistence is tested too. */
export function stateStoreContract(
  name: string,
  make: () => Promise<StateStoreHarness>,
  { persistent = false } = {},
): void {
  describe(`StateStore contract: ${name}`, () => {
    let h: StateStoreHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(() => h.cleanup());

    it('puts, gets, overwrites and deletes bytes', async () => {
      const { store } = h;
      expect(await store.get('settings')).toBeUndefined();
      await store.put('settings', utf8('one'));
      await store.put('settings', utf8('two'));
      expect(fromUtf8((await store.get('settings'))!)).toBe('two');
      await store.delete('settings');
      await store.delete('settings');
      expect(await store.get('settings')).toBeUndefined();
    });

    it('lists keys by prefix, sorted, across segments', async () => {
      const { store } = h;
      for (const k of ['heads/b', 'heads/a', 'peers/x.json', 'progress/f/1', 'top']) {
        await store.put(k, new Uint8Array([1]));
      }
      expect(await store.keys('heads/')).toEqual(['heads/a', 'heads/b']);
      expect(await store.keys()).toEqual([
        'heads/a',
        'heads/b',
        'peers/x.json',
        'progress/f/1',
        'top',
      ]);
      expect(await store.keys('nothing')).toEqual([]);
    });

    it('round-trips JSON and rejects non-JSON', async () => {
      const { store } = h;
      await putJson(store, 'j', { a: [1, 'é'], b: null });
      expect(await getJson(store, 'j')).toEqual({ a: [1, 'é'], b: null });
      expect(await getJson(store, 'none')).toBeUndefined();
      await store.put('bad', utf8('{nope'));
      expect(await codeOf(getJson(store, 'bad'))).toBe('malformed');
    });

    it('rejects keys that could escape or collide', async () => {
      const { store } = h;
      for (const k of ['', '../x', 'a/../b', '/abs', '.hidden', 'a//b', 'a/', 'a\\b', 'a\0']) {
        expect(await codeOf(store.put(k, new Uint8Array(1))), k).toBe('bad-path');
        expect(await codeOf(store.get(k)), k).toBe('bad-path');
      }
      await store.put('a/b', new Uint8Array(1));
      expect(await codeOf(store.put('a', new Uint8Array(1)))).toBe('bad-path');
      expect(await codeOf(store.put('a/b/c', new Uint8Array(1)))).toBe('bad-path');
    });

    if (persistent) {
      it('persists across reopening', async () => {
        await putJson(h.store, 'heads/main', ['h1']);
        expect(await getJson(h.reopen!(), 'heads/main')).toEqual(['h1']);
      });
    }
  });
}
