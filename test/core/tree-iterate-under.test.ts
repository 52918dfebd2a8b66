/** iterate(ctx, root, under): the entries below one directory, reading only the nodes that reach them. */
import { describe, expect, it } from 'vitest';
import { buildTree, iterate } from '../../src/core/tree';
import { collect, context, CountingStore, fileEntry, manyPaths } from './tree-fixtures';
import { MemoryObjectStore } from '../helpers/memory-store';

const NAMES = ['a', 'a-b', 'a.b', 'ab', 'a/b', 'a/b/c', 'b', '日本語'];

describe('iterate under a directory', () => {
  it('yields exactly the entries below it, in order, for any directory of a large tree', async () => {
    const paths = [
      ...NAMES.flatMap((dir) => manyPaths(300, `${dir}/`)),
      ...NAMES.map((n) => `${n}-file`),
      'a',
    ];
    const ctx = context();
    const root = await buildTree(
      ctx,
      [...new Set(paths)].map((p) => fileEntry(p)),
    );
    const all = (await collect(iterate(ctx, root))).map((e) => e.path);
    for (const under of [...NAMES, 'a/b/c/none', 'zzz', 'a/']) {
      const want = all.filter((p) => p.startsWith(`${under}/`));
      const got = (await collect(iterate(ctx, root, under))).map((e) => e.path);
      expect(got, under).toEqual(want);
    }
    expect(await collect(iterate(ctx, root, ''))).toHaveLength(all.length);
  });

  it('reads only the nodes whose key range reaches the directory', async () => {
    const store = new CountingStore(new MemoryObjectStore());
    const ctx = context(store);
    const root = await buildTree(
      ctx,
      [...manyPaths(3000, 'big/'), ...manyPaths(20, 'small/')].map((p) => fileEntry(p)),
    );
    store.gets = 0;
    await collect(iterate(ctx, root));
    const everything = store.gets;
    store.gets = 0;
    expect(await collect(iterate(ctx, root, 'small'))).toHaveLength(20);
    expect(store.gets).toBeLessThan(everything / 10);
  });
});
