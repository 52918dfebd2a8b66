import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import type { Entry } from '../../src/core/entry';
import { PeerfoldError } from '../../src/core/errors';
import { comparePaths } from '../../src/core/path';
import {
  buildTree,
  decodeEntry,
  diffTrees,
  encodeEntry,
  iterate,
  keyHeight,
  lookup,
  newStats,
  nodeLinks,
  updateTree,
  type Mutation,
  type TreeChange,
} from '../../src/core/tree';
import { MemoryObjectStore } from '../helpers/memory-store';
import {
  collect,
  context,
  dirEntry,
  fileEntry,
  manyPaths,
  OTHER_DEVICE,
  tombstone,
} from './tree-fixtures';

const sorted = (entries: Entry[]): Entry[] =>
  [...entries].sort((a, b) => comparePaths(a.path, b.path));

/** Entries as comparable strings: deep equality of many Uint8Arrays is slow in expect. */
const digest = (e: Entry | undefined): string => (e ? toHex(encodeEntry(e)) : '-');
const digests = (entries: Entry[]): string => entries.map(digest).join('\n');
const changeDigests = (changes: TreeChange[]): string =>
  changes.map((c) => `${c.path} ${digest(c.before)} ${digest(c.after)}`).join('\n');

function sample(): Entry[] {
  return [
    fileEntry('README.md'),
    fileEntry('src/main.ts', { blocks: 3, version: 3 }),
    dirEntry('src'),
    dirEntry('src/empty'),
    fileEntry('src/empty-file', { blocks: 0 }),
    fileEntry('a-b'),
    fileEntry('a.b'),
    fileEntry('a/b'),
    fileEntry('日本語/ファイル.txt', { blocks: 2 }),
    fileEntry('big.bin', { blocks: 600 }),
    fileEntry('inline-max.bin', { blocks: 128 }),
    tombstone('deleted.txt'),
  ];
}

describe('index tree: reading what was built', () => {
  it('iterates every entry in path order and looks each one up', async () => {
    const ctx = context();
    const entries = sample();
    const root = await buildTree(ctx, entries);
    expect(await collect(iterate(ctx, root))).toEqual(sorted(entries));
    for (const e of entries) expect(await lookup(ctx, root, e.path)).toEqual(e);
    for (const missing of ['a', 'zzz', 'src/main', 'README.mdx', 'a/b/c']) {
      expect(await lookup(ctx, root, missing)).toBeUndefined();
    }
  });

  it('round-trips thousands of entries over a deep tree', async () => {
    const ctx = context();
    const entries = manyPaths(5000).map((p, i) => fileEntry(p, { blocks: 1 + (i % 3) }));
    const root = await buildTree(ctx, entries);
    const listed = await collect(iterate(ctx, root));
    expect(listed.map((e) => e.path)).toEqual(sorted(entries).map((e) => e.path));
    expect(digests(listed)).toBe(digests(sorted(entries)));
    for (const i of [0, 1, 77, 2500, 4999]) {
      expect(await lookup(ctx, root, entries[i]!.path)).toEqual(entries[i]);
    }
  });

  it('has an empty tree with an address of its own', async () => {
    const ctx = context();
    const empty = await buildTree(ctx, []);
    expect(empty).toHaveLength(32);
    expect(await collect(iterate(ctx, empty))).toEqual([]);
    expect(await lookup(ctx, empty, 'x')).toBeUndefined();
    const one = await updateTree(ctx, empty, [{ path: 'x', entry: fileEntry('x') }]);
    expect(toHex(one)).toBe(toHex(await buildTree(ctx, [fileEntry('x')])));
    expect(toHex(await updateTree(ctx, one, [{ path: 'x', entry: null }]))).toBe(toHex(empty));
  });

  it('gives a different tree to a different read key', async () => {
    const a = await buildTree(context(new MemoryObjectStore(), 1), sample());
    const b = await buildTree(context(new MemoryObjectStore(), 2), sample());
    expect(toHex(a)).not.toBe(toHex(b));
  });

  it('refuses duplicate paths, invalid paths and inconsistent entries', async () => {
    const ctx = context();
    const code = async (entries: Entry[]): Promise<string> =>
      buildTree(ctx, entries).then(
        () => 'ok',
        (e: unknown) => (e instanceof PeerfoldError ? e.code : 'untyped'),
      );
    expect(await code([fileEntry('a'), fileEntry('a', { version: 2 })])).toBe('malformed');
    expect(await code([fileEntry('../etc/passwd')])).toBe('bad-path');
    expect(await code([{ ...fileEntry('a'), size: 5 }])).toBe('malformed');
    expect(await code([{ ...fileEntry('a'), mtime: 1.5 }])).toBe('malformed');
    expect(await code([{ ...fileEntry('a'), device: 'ABC' }])).toBe('malformed');
    expect(await code([{ ...dirEntry('d'), size: 3 }])).toBe('malformed');
    const badMutation: Mutation = { path: 'a', entry: fileEntry('b') };
    const root = await buildTree(ctx, []);
    await expect(updateTree(ctx, root, [badMutation])).rejects.toThrow(PeerfoldError);
  });
});

describe('format', () => {
  it('is pinned: known roots for known entries under a known read key', async () => {
    // Any change here changes the protocol (docs/PROTOCOL.md): old trees would not be read.
    const ctx = context();
    const root = async (entries: Entry[]): Promise<string> => toHex(await buildTree(ctx, entries));
    const small = [
      fileEntry('README.md'),
      dirEntry('src'),
      fileEntry('src/main.ts', { blocks: 3, version: 3 }),
      tombstone('gone'),
      fileEntry('big', { blocks: 300 }),
    ];
    expect(await root(small)).toBe(
      'e1b512e16115f0293c755e65b6ff192b512c456743434b26c2d32064326efa79',
    );
    expect(await root([])).toBe('f865b1ea3f814565fa154884573ab99ed59588d4e14b09ad06b41001b4b653cf');
    expect(await root(manyPaths(2000).map((p) => fileEntry(p)))).toBe(
      'ce3be61e297bef62ec8a8245312c6450615c06d39197d98af5c8ad39ee61c6a3',
    );
    expect(await root(manyPaths(60).map((p) => fileEntry(p, { blocks: 128 })))).toBe(
      '2d581a0943b9622ae76f0ea2c31ea141ad740456ae1ff959baeafb2be4009f0e',
    );
  });

  it('splits about every 32 keys', () => {
    const keys = context().keys;
    const heights = manyPaths(20_000).map((p) => keyHeight(keys, p));
    const above = (h: number): number => heights.filter((x) => x >= h).length;
    expect(above(1)).toBeGreaterThan(20_000 / 32 - 100);
    expect(above(1)).toBeLessThan(20_000 / 32 + 100);
    expect(above(2)).toBeLessThan(60);
    expect(Math.max(...heights)).toBeLessThanOrEqual(12);
  });
});

describe('entry encoding', () => {
  it('round-trips the standalone form', () => {
    for (const e of sample()) expect(decodeEntry(encodeEntry(e))).toEqual(e);
  });

  it('writes one canonical form: zero counters left out', () => {
    const e = fileEntry('x');
    const withZero = { ...e, version: { ...e.version, [OTHER_DEVICE]: 0 } };
    expect(toHex(encodeEntry(withZero))).toBe(toHex(encodeEntry(e)));
  });

  it('rejects a decoded entry that breaks a rule', () => {
    const bad = (e: Entry): string => {
      try {
        decodeEntry(encodeEntry(e));
        return 'ok';
      } catch (err) {
        return err instanceof PeerfoldError ? err.code : 'untyped';
      }
    };
    expect(bad(fileEntry('x'))).toBe('ok');
    expect(bad({ ...fileEntry('x'), path: 'a//b' })).toBe('bad-path');
    expect(bad({ ...fileEntry('x'), version: { nothex: 1 } })).toBe('malformed');
    expect(bad({ ...fileEntry('x'), version: { [OTHER_DEVICE]: -1 } })).toBe('malformed');
    expect(() => decodeEntry(Uint8Array.of(1, 2, 3))).toThrow(PeerfoldError);
  });
});

type Op =
  { kind: 'put'; path: number; version: number; blocks: number } | { kind: 'del'; path: number };

/**
 * Paths for the property tests, picked by height under the test read key: `quota[h]` paths of
 * height h (the last: that height or more). Real trees split about every 32 keys; these pools
 * make boundaries frequent so that small trees are deep and random edits often move one.
 */
function pool(quota: number[], prefix: string): string[] {
  const keys = context().keys;
  const left = [...quota];
  const out: string[] = [];
  for (const p of manyPaths(40_000, prefix)) {
    const h = Math.min(keyHeight(keys, p), left.length - 1);
    if (left[h]! > 0) {
      left[h]!--;
      out.push(p);
    }
  }
  expect(out).toHaveLength(quota.reduce((a, b) => a + b));
  return out;
}

const POOL_SIZE = 400;
/** Splits like fanout 4: 3-4 levels with 400 paths. */
let boundaryPool: string[] = [];
/** Hardly any key boundary: nodes end by weight (forced splits) with heavy entries. */
let weightPool: string[] = [];
beforeAll(() => {
  boundaryPool = pool([310, 78, 12], 'p/');
  weightPool = pool([392, 8], 'w/');
});

function opArb(blocks: fc.Arbitrary<number>): fc.Arbitrary<Op> {
  return fc.oneof(
    fc.record({
      kind: fc.constant('put' as const),
      path: fc.nat(POOL_SIZE - 1),
      version: fc.integer({ min: 1, max: 5 }),
      blocks,
    }),
    fc.record({ kind: fc.constant('del' as const), path: fc.nat(POOL_SIZE - 1) }),
  );
}
/** Mostly small entries, some with extents. */
const smallOps = opArb(
  fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 10 },
    { arbitrary: fc.constant(200), weight: 1 },
  ),
);
/** Heavy entries: 8 of 128 inline blocks fill a node's 64 KiB of weight. */
const heavyOps = opArb(fc.constantFrom(1, 64, 128));

function entryFor(paths: string[], op: Extract<Op, { kind: 'put' }>): Entry {
  return fileEntry(paths[op.path]!, { version: op.version, blocks: op.blocks });
}

/** Random initial map, random edits in random batches: always the root of a full build. */
async function historyProperty(paths: () => string[], ops: fc.Arbitrary<Op>, numRuns: number) {
  await fc.assert(
    fc.asyncProperty(
      fc.array(ops, { maxLength: 400, size: 'max' }),
      fc.array(ops, { minLength: 1, maxLength: 200, size: 'max' }),
      fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 10 }),
      async (initialOps, edits, batchSizes) => {
        const ctx = context();
        const model = new Map<string, Entry>();
        for (const op of initialOps) {
          if (op.kind === 'put') model.set(paths()[op.path]!, entryFor(paths(), op));
        }
        let root = await buildTree(ctx, model.values());
        let at = 0;
        for (let b = 0; at < edits.length; b++) {
          const size = batchSizes[b % batchSizes.length]!;
          const batch: Mutation[] = edits.slice(at, at + size).map((op) => {
            const path = paths()[op.path]!;
            const entry = op.kind === 'put' ? entryFor(paths(), op) : null;
            if (entry) model.set(path, entry);
            else model.delete(path);
            return { path, entry };
          });
          at += size;
          root = await updateTree(ctx, root, batch);
        }
        const expected = await buildTree(context(), model.values());
        expect(toHex(root)).toBe(toHex(expected));
        const listed = await collect(iterate(ctx, root));
        expect(digests(listed)).toBe(digests(sorted([...model.values()])));
      },
    ),
    { numRuns },
  );
}

describe('history independence', () => {
  it('batched updates in any order give the root of a full build', async () => {
    await historyProperty(() => boundaryPool, smallOps, 40);
  }, 120_000);

  it('also where nodes end by weight (forced splits)', async () => {
    await historyProperty(() => weightPool, heavyOps, 15);
  }, 120_000);

  it('forced splits keep nodes near 64 KiB', async () => {
    const store = new MemoryObjectStore();
    const ctx = context(store);
    const entries = weightPool.slice(0, 100).map((p) => fileEntry(p, { blocks: 128 }));
    await buildTree(ctx, entries);
    const leaves = [...store.objects.values()].filter((b) => nodeLinks(b).level === 0);
    // 100 entries of weight about 8.3 KiB: at least 12 leaves though only 8 keys have height 1
    expect(leaves.length).toBeGreaterThanOrEqual(12);
    for (const leaf of leaves) expect(leaf.length).toBeLessThan(64 * 1024 + 10_000);
  });

  it('insertion order does not matter, even one entry at a time', async () => {
    const ctx = context();
    const entries = manyPaths(600).map((p, i) => fileEntry(p, { blocks: i % 50 === 0 ? 128 : 1 }));
    const shuffled = [...entries].sort((a, b) =>
      toHex(a.blocks[0]!.address) < toHex(b.blocks[0]!.address) ? -1 : 1,
    );
    let root = await buildTree(ctx, []);
    for (const e of shuffled) root = await updateTree(ctx, root, [{ path: e.path, entry: e }]);
    expect(toHex(root)).toBe(toHex(await buildTree(context(), entries)));
    // and deleting them all, in another order, gives the empty tree back
    for (const e of entries) root = await updateTree(ctx, root, [{ path: e.path, entry: null }]);
    expect(toHex(root)).toBe(toHex(await buildTree(context(), [])));
  });

  it('an update writes nothing it did not have to', async () => {
    const store = new MemoryObjectStore();
    const stats = newStats();
    const ctx = { ...context(store), stats };
    const entries = manyPaths(3000).map((p) => fileEntry(p));
    const root = await buildTree(ctx, entries);
    const puts = store.puts;
    expect(toHex(await updateTree(ctx, root, []))).toBe(toHex(root));
    expect(stats.nodesRead).toBe(0);
    // re-putting an entry that is already there changes nothing: a path of nodes is read and
    // encoded again, to the same bytes
    const written = stats.nodesWritten;
    const same = await updateTree(ctx, root, [{ path: entries[10]!.path, entry: entries[10]! }]);
    expect(toHex(same)).toBe(toHex(root));
    expect(store.puts).toBe(puts);
    expect(stats.nodesRead).toBeGreaterThanOrEqual(2);
    expect(stats.nodesRead).toBeLessThanOrEqual(8);
    expect(stats.nodesWritten - written).toBeLessThanOrEqual(8);
    // deleting a path that is not there changes nothing either
    const none = await updateTree(ctx, root, [{ path: 'not/there', entry: null }]);
    expect(toHex(none)).toBe(toHex(root));
    expect(store.puts).toBe(puts);
  });
});

describe('diff', () => {
  it('lists exactly what changed, with both sides', async () => {
    const ctx = context();
    const before = sample();
    const a = await buildTree(ctx, before);
    const changed = fileEntry('src/main.ts', { blocks: 3, version: 4 });
    const added = fileEntry('src/new.ts');
    const b = await updateTree(ctx, a, [
      { path: changed.path, entry: changed },
      { path: added.path, entry: added },
      { path: 'README.md', entry: null },
    ]);
    const changes = await collect(diffTrees(ctx, a, b));
    expect(changes).toEqual([
      { path: 'README.md', before: before[0] },
      { path: 'src/main.ts', before: before[1], after: changed },
      { path: 'src/new.ts', after: added },
    ]);
    expect(await collect(diffTrees(ctx, a, a))).toEqual([]);
    const back = await collect(diffTrees(ctx, b, a));
    expect(back.map((c) => c.path)).toEqual(changes.map((c) => c.path));
  });

  it('against the empty tree lists everything', async () => {
    const ctx = context();
    const entries = manyPaths(2000).map((p) => fileEntry(p));
    const a = await buildTree(ctx, []);
    const b = await buildTree(ctx, entries);
    const changes = await collect(diffTrees(ctx, a, b));
    expect(changes.every((c) => c.before === undefined)).toBe(true);
    expect(changeDigests(changes)).toBe(
      changeDigests(sorted(entries).map((e) => ({ path: e.path, after: e }))),
    );
  });

  it('matches a model diff for random edits', async () => {
    const ctx = context();
    await fc.assert(
      fc.asyncProperty(
        fc.array(smallOps, { maxLength: 300, size: 'max' }),
        fc.array(smallOps, { maxLength: 50, size: 'max' }),
        async (initial, edits) => {
          const model = new Map<string, Entry>();
          for (const op of initial)
            if (op.kind === 'put') model.set(boundaryPool[op.path]!, entryFor(boundaryPool, op));
          const a = await buildTree(ctx, model.values());
          const next = new Map(model);
          const muts = edits.map((op) => {
            const path = boundaryPool[op.path]!;
            const entry = op.kind === 'put' ? entryFor(boundaryPool, op) : null;
            if (entry) next.set(path, entry);
            else next.delete(path);
            return { path, entry };
          });
          const b = await updateTree(ctx, a, muts);
          const expected = [...new Set([...model.keys(), ...next.keys()])]
            .sort(comparePaths)
            .filter((p) => JSON.stringify(model.get(p)) !== JSON.stringify(next.get(p)))
            .map((p) => {
              const change: { path: string; before?: Entry; after?: Entry } = { path: p };
              if (model.has(p)) change.before = model.get(p);
              if (next.has(p)) change.after = next.get(p);
              return change;
            });
          expect(changeDigests(await collect(diffTrees(ctx, a, b)))).toBe(changeDigests(expected));
        },
      ),
      { numRuns: 40 },
    );
  });
});
