import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import { createShare } from '../../src/core/capability';
import type { Entry } from '../../src/core/entry';
import { mergeMaps } from '../../src/core/merge';
import { conflictPath } from '../../src/core/conflict';
import { mergeTrees } from '../../src/core/merge-tree';
import { buildTree, iterate, newStats, treeKeys } from '../../src/core/tree';
import { bumpVersion } from '../../src/core/version';
import { MemoryObjectStore } from '../helpers/memory-store';
import { fileEntry, manyPaths } from './tree-fixtures';

const devices = ['00000000000000a1', '00000000000000b2', '00000000000000c3'];

/** One device's view: a few paths, each written at some counter by that device. */
const view = fc.record({
  device: fc.constantFrom(...devices),
  files: fc.uniqueArray(
    fc.record({
      path: fc.constantFrom('a.txt', 'b.txt', 'dir/c.txt', 'dir/d'),
      counter: fc.integer({ min: 1, max: 3 }),
      mtime: fc.integer({ min: 1, max: 5 }).map((n) => 1_700_000_000_000 + n * 1000),
      deleted: fc.boolean(),
    }),
    { selector: (f) => f.path, maxLength: 4 },
  ),
});

function entries({
  device,
  files,
}: typeof view extends fc.Arbitrary<infer T> ? T : never): Entry[] {
  return files.map((f) => ({
    path: f.path,
    kind: 'file',
    size: 0,
    mtime: f.mtime,
    executable: false,
    blocks: [],
    version: { [device]: f.counter },
    device,
    deleted: f.deleted,
  }));
}

describe('mergeTrees', () => {
  const context = () => ({ store: new MemoryObjectStore(), keys: treeKeys(createShare().readKey) });

  it('returns a lone root unchanged and merges equal roots once', async () => {
    const ctx = context();
    const root = await buildTree(ctx, []);
    expect(toHex(await mergeTrees(ctx, [root, root]))).toBe(toHex(root));
  });

  it('does not depend on the order of two roots whose versions cover each other', async () => {
    const ctx = context();
    const version = { [devices[0]!]: 1, [devices[1]!]: 1 };
    const entry = (device: string): Entry => ({
      path: 'a.txt',
      kind: 'file',
      size: 0,
      mtime: 1_700_000_000_000,
      executable: false,
      blocks: [],
      version,
      device,
      deleted: false,
    });
    const a = await buildTree(ctx, [entry(devices[0]!)]);
    const b = await buildTree(ctx, [entry(devices[1]!)]);
    const ab = await mergeTrees(ctx, [a, b]);
    expect(toHex(await mergeTrees(ctx, [b, a]))).toBe(toHex(ab));
    const expected = mergeMaps([
      new Map([['a.txt', entry(devices[0]!)]]),
      new Map([['a.txt', entry(devices[1]!)]]),
    ]);
    const got: Entry[] = [];
    for await (const e of iterate(ctx, ab)) got.push(e);
    expect(got).toEqual([...expected.values()]);
  });

  it('is the tree of mergeMaps, whatever the order of the roots', async () => {
    const ctx = context();
    await fc.assert(
      fc.asyncProperty(fc.array(view, { minLength: 1, maxLength: 4 }), async (views) => {
        const lists = views.map(entries);
        const roots = await Promise.all(lists.map((l) => buildTree(ctx, l)));
        const merged = await mergeTrees(ctx, roots);
        const expected = mergeMaps(lists.map((l) => new Map(l.map((e) => [e.path, e]))));
        const got: Entry[] = [];
        for await (const e of iterate(ctx, merged)) got.push(e);
        const byPath = (a: Entry, b: Entry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
        expect([...got].sort(byPath)).toEqual([...expected.values()].sort(byPath));
        const reversed = await mergeTrees(ctx, [...roots].reverse());
        expect(toHex(reversed)).toBe(toHex(merged));
        // merging the result with any input again changes nothing
        expect(toHex(await mergeTrees(ctx, [merged, roots[0]!]))).toBe(toHex(merged));
      }),
      { numRuns: 60 },
    );
  });

  it('merges a folder edited on top of a merged state with that state as mergeMaps does', async () => {
    const ctx = context();
    const edit = fc.record({
      path: fc.constantFrom('a.txt', 'b.txt', 'dir/c.txt', 'dir/d', 'dir', 'new.txt', 'dir/e'),
      deleted: fc.boolean(),
    });
    const byPath = (a: Entry, b: Entry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
    const read = async (root: Uint8Array): Promise<Entry[]> => {
      const out: Entry[] = [];
      for await (const e of iterate(ctx, root)) out.push(e);
      return out.sort(byPath);
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(view, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...devices),
        fc.uniqueArray(edit, { selector: (e) => e.path, maxLength: 4 }),
        async (views, device, edits) => {
          const state = mergeMaps(views.map((v) => new Map(entries(v).map((e) => [e.path, e]))));
          const edited = new Map(state);
          for (const { path, deleted } of edits) {
            const old = state.get(path);
            if (old?.kind === 'dir' || path === 'dir') continue; // files only
            edited.set(path, {
              path,
              kind: 'file',
              size: 0,
              mtime: 1_800_000_000_000,
              executable: false,
              blocks: [],
              version: bumpVersion(old?.version ?? {}, device, 10),
              device,
              deleted,
            });
          }
          const a = await buildTree(ctx, edited.values());
          const b = await buildTree(ctx, state.values());
          const expected = [...mergeMaps([edited, state]).values()].sort(byPath);
          expect(await read(await mergeTrees(ctx, [a, b]))).toEqual(expected);
          expect(await read(await mergeTrees(ctx, [b, a]))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  describe('a tree that extends another by thousands of files', () => {
    const paths = manyPaths(3000);
    // entries are made in the tests: they hash, and crypto is ready only then
    const bigTree = () => paths.map((p) => fileEntry(p, { version: 2 }));
    // the smaller tree: older versions of a few of the same files
    const smallTree = () => paths.slice(0, 300).map((p) => fileEntry(p, { version: 1 }));
    const setup = async (extra: Entry[] = []) => {
      const [big, small] = [bigTree(), smallTree()];
      const stats = newStats();
      const ctx = { ...context(), stats };
      const a = await buildTree(ctx, big);
      const b = await buildTree(ctx, [...small, ...extra]);
      return { ctx, stats, a, b, big, small };
    };

    it('is merged to that tree without writing a node, in either order', async () => {
      const { ctx, stats, a, b } = await setup();
      const written = stats.nodesWritten;
      expect(toHex(await mergeTrees(ctx, [a, b]))).toBe(toHex(a));
      expect(toHex(await mergeTrees(ctx, [b, a]))).toBe(toHex(a));
      expect(stats.nodesWritten).toBe(written);
    });

    it('is merged as mergeMaps merges when the smaller tree holds a conflict copy of one of them', async () => {
      const origin = paths[2500]!;
      const copy = fileEntry(conflictPath(origin, 1_700_000_000_000, devices[0]!));
      const { ctx, stats, a, b, big, small } = await setup([copy]);
      const written = stats.nodesWritten;
      const merged = await mergeTrees(ctx, [a, b]);
      expect(stats.nodesWritten).toBeGreaterThan(written); // not the fast case
      const expected = mergeMaps([
        new Map(big.map((e) => [e.path, e])),
        new Map([...small, copy].map((e) => [e.path, e])),
      ]);
      const got: Entry[] = [];
      for await (const e of iterate(ctx, merged)) got.push(e);
      const byPath = (x: Entry, y: Entry) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0);
      expect(got.sort(byPath)).toEqual([...expected.values()].sort(byPath));
    });
  });
});
