/** hasAnyPrefix: one walk of a tree for many path prefixes, reading each node at most once. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conflictPrefix } from '../../src/core/conflict';
import { buildTree, hasAnyPrefix, iterate } from '../../src/core/tree';
import { MemoryObjectStore } from '../helpers/memory-store';
import { collect, context, CountingStore, fileEntry, manyPaths } from './tree-fixtures';

const PATHS = [
  ...manyPaths(2000, 'big/'),
  ...manyPaths(40, 'a/'),
  'a',
  'a-b',
  'a.b/c',
  'x.sync-conflict-20240101-000000-abcdefg/inner.txt',
  '日本語/ファイル.txt',
];

async function fixture() {
  const store = new CountingStore(new MemoryObjectStore());
  const ctx = context(store);
  const root = await buildTree(
    ctx,
    PATHS.map((p) => fileEntry(p)),
  );
  store.gets = 0;
  await collect(iterate(ctx, root));
  const nodes = store.gets;
  store.gets = 0;
  return { store, ctx, root, nodes };
}

describe('hasAnyPrefix', () => {
  it('tells whether some path starts with one of the prefixes, as a check of every path would', async () => {
    const { ctx, root } = await fixture();
    const candidate = fc.oneof(
      fc.constantFrom(...PATHS).map((p) => p.slice(0, Math.max(1, p.length - 3))),
      fc.constantFrom(...PATHS).map(conflictPrefix),
      fc.constantFrom(...PATHS).map((p) => `${p}x`),
      fc.constantFrom('a', 'a/', 'a-', 'b', 'big/dir-3', 'big/dir-3/', 'zzz', '日', 'x.sync-'),
      fc.string({ minLength: 1, maxLength: 6 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(candidate, { maxLength: 40 }), async (prefixes) => {
        const want = PATHS.some((p) => prefixes.some((x) => p.startsWith(x)));
        expect(await hasAnyPrefix(ctx, root, prefixes)).toBe(want);
      }),
      { numRuns: 300 },
    );
  });

  it('reads each node at most once, however many prefixes it checks', async () => {
    const { store, ctx, root, nodes } = await fixture();
    const prefixes = PATHS.filter((p) => p.startsWith('big/')).map(conflictPrefix);
    expect(await hasAnyPrefix(ctx, root, prefixes)).toBe(false);
    expect(store.gets).toBeGreaterThan(nodes / 2); // the copies would sit all over the tree
    expect(store.gets).toBeLessThanOrEqual(nodes);
  });

  it('reads only the nodes that could hold a path with one of the prefixes', async () => {
    const { store, ctx, root, nodes } = await fixture();
    expect(await hasAnyPrefix(ctx, root, ['a/dir-1/', 'a-'])).toBe(true);
    expect(await hasAnyPrefix(ctx, root, ['a/dir-1/sub-0/file-1.sync-conflict-'])).toBe(false);
    expect(store.gets).toBeLessThan(nodes / 4);
  });

  it('reads nothing for no prefixes', async () => {
    const { store, ctx, root } = await fixture();
    expect(await hasAnyPrefix(ctx, root, [])).toBe(false);
    expect(store.gets).toBe(0);
  });
});
