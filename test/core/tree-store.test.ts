import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import type { BlockRef, Entry } from '../../src/core/entry';
import { PeerfoldError } from '../../src/core/errors';
import type { Address } from '../../src/core/objects';
import {
  buildTree,
  iterate,
  loadEntry,
  lookup,
  nodeLinks,
  reachable,
  splitExtents,
  storeEntry,
  updateTree,
} from '../../src/core/tree';
import { MemoryObjectStore } from '../helpers/memory-store';
import {
  blocksOf,
  collect,
  context,
  fakeBlock,
  fileEntry,
  manyPaths,
  tombstone,
} from './tree-fixtures';

/** New objects in `store` since `before` (a snapshot of its keys), by level (-1: extents). */
function newObjects(store: MemoryObjectStore, before: Set<string>): Map<number, number> {
  const byLevel = new Map<number, number>();
  for (const [hex, bytes] of store.objects) {
    if (before.has(hex)) continue;
    const level = nodeLinks(bytes).level;
    byLevel.set(level, (byLevel.get(level) ?? 0) + 1);
  }
  return byLevel;
}

function bigFile(path: string, blocks: BlockRef[]): Entry {
  return { ...fileEntry(path), size: blocks.reduce((s, b) => s + b.size, 0), blocks };
}

async function putBlocks(store: MemoryObjectStore, entries: Entry[]): Promise<void> {
  for (const e of entries) for (const b of e.blocks) await store.put(b.address, Uint8Array.of(1));
}

describe('extents', () => {
  it('cut after a 0x00-led address or at 1024 blocks', () => {
    const blocks = blocksOf('cut', 5000);
    const extents = splitExtents(blocks);
    expect(extents.flat()).toEqual(blocks);
    extents.forEach((x, i) => {
      expect(x.length).toBeLessThanOrEqual(1024);
      x.slice(0, -1).forEach((b) => expect(b.address[0]).not.toBe(0));
      if (i < extents.length - 1)
        expect(x.length === 1024 || x.at(-1)!.address[0] === 0).toBe(true);
    });
    expect(extents.length).toBeGreaterThan(5);
    const never = Array.from({ length: 2500 }, (_, i) => ({
      address: Uint8Array.from({ length: 32 }, (_, k) =>
        k === 0 ? 1 : (i >> (8 * (k - 1))) & 255,
      ),
      size: 1,
    }));
    expect(splitExtents(never).map((x) => x.length)).toEqual([1024, 1024, 452]);
  });

  it('hold a 5000-block file; one changed block rewrites one extent and a path of nodes', async () => {
    const store = new MemoryObjectStore();
    const ctx = context(store);
    const others = manyPaths(3000).map((p) => fileEntry(p));
    const blocks = blocksOf('huge', 5000, 65536);
    const huge = bigFile('dir-1/huge.bin', blocks);
    const root = await buildTree(ctx, [...others, huge]);
    expect(await lookup(ctx, root, huge.path)).toEqual(huge);
    const listed = await collect(iterate(ctx, root));
    expect(listed.find((e) => e.path === huge.path)).toEqual(huge);

    const before = new Set(store.objects.keys());
    const depth = nodeLinks((await store.get(root))!).level + 1;
    const edited = blocks.map((b, i) =>
      i === 2500 ? { address: fakeBlock('edit'), size: b.size } : b,
    );
    const next = await updateTree(ctx, root, [
      { path: huge.path, entry: bigFile(huge.path, edited) },
    ]);
    const added = newObjects(store, before);
    const extentsNew = added.get(-1) ?? 0;
    const nodesNew = [...added.entries()].filter(([l]) => l >= 0).reduce((s, [, n]) => s + n, 0);
    console.log(`one block of a 5000-block file: ${extentsNew} new extents, ${nodesNew} new nodes`);
    expect(extentsNew).toBeGreaterThanOrEqual(1);
    expect(extentsNew).toBeLessThanOrEqual(2);
    expect(nodesNew).toBeLessThanOrEqual(2 * depth + 2);
    expect((await lookup(ctx, next, huge.path))!.blocks).toEqual(edited);
    expect(toHex(next)).toBe(
      toHex(await buildTree(context(), [...others, bigFile(huge.path, edited)])),
    );
  });

  it('keep leaves small: the leaf holds extent addresses, not 5000 blocks', async () => {
    const store = new MemoryObjectStore();
    const ctx = context(store);
    const root = await buildTree(ctx, [bigFile('huge', blocksOf('h', 5000))]);
    const leaf = (await store.get(root))!;
    expect(nodeLinks(leaf).blocks).toHaveLength(0);
    expect(nodeLinks(leaf).children.length).toBeGreaterThan(5);
    expect(leaf.length).toBeLessThan(2048);
  });

  it('are checked when read: sizes add up and the cuts are canonical', async () => {
    const ctx = context();
    const entry = bigFile('f', blocksOf('f', 600));
    const stored = await storeEntry(ctx, entry);
    expect(stored.extents.length).toBeGreaterThan(1);
    expect(await loadEntry(ctx, stored)).toEqual(entry);
    await expect(loadEntry(ctx, { ...stored, size: stored.size + 1 })).rejects.toThrow(/sum/);
    await expect(loadEntry(ctx, { ...stored, extents: stored.extents.slice(1) })).rejects.toThrow(
      PeerfoldError,
    );
    const twice = { ...stored, extents: [stored.extents[0]!, ...stored.extents] };
    await expect(loadEntry(ctx, twice)).rejects.toThrow(PeerfoldError);
    const small = await storeEntry(ctx, bigFile('s', blocksOf('s', 200)));
    await expect(loadEntry(ctx, { ...small, extents: small.extents.slice(0, 1) })).rejects.toThrow(
      /inline|ends too early|sum/,
    );
  });
});

describe('reachable', () => {
  async function fixture() {
    const store = new MemoryObjectStore();
    const ctx = context(store);
    const entries = [
      ...manyPaths(2000).map((p, i) => fileEntry(p, { blocks: 1 + (i % 4) })),
      bigFile('big-1', blocksOf('shared', 700)),
      bigFile('big-2', blocksOf('shared', 700)), // same content: shared extents and blocks
      tombstone('gone'),
    ];
    const root = await buildTree(ctx, entries);
    await putBlocks(store, entries);
    return { store, ctx, entries, root };
  }

  it('lists every node and block of a built tree, each once, with no read key', async () => {
    const { store, root } = await fixture();
    // a Store peer holds only the store: no keys are passed
    const listed = await collect(reachable(store, root));
    const hexes = listed.map((r) => toHex(r.address));
    expect(new Set(hexes).size).toBe(hexes.length);
    expect(new Set(hexes)).toEqual(new Set(store.objects.keys()));
    expect(listed[0]!.address).toEqual(root);
    const nodes = listed.filter((r) => r.kind === 'node');
    for (const n of nodes)
      expect(() => nodeLinks(store.objects.get(toHex(n.address))!)).not.toThrow();
  });

  it('after an update, lists the old objects still used plus exactly the new ones', async () => {
    const { store, ctx, root, entries } = await fixture();
    const before = new Set(store.objects.keys());
    const e = fileEntry(entries[5]!.path, { version: 9 });
    const next = await updateTree(ctx, root, [{ path: e.path, entry: e }]);
    await putBlocks(store, [e]);
    const listed = new Set((await collect(reachable(store, next))).map((r) => toHex(r.address)));
    const fresh = [...store.objects.keys()].filter((h) => !before.has(h));
    expect(fresh.length).toBeGreaterThan(0);
    for (const h of fresh) expect(listed.has(h)).toBe(true);
  });

  it('fails with missing when a node or block is not stored', async () => {
    const { store, root } = await fixture();
    const rootLinks = nodeLinks(store.objects.get(toHex(root))!);
    const child = rootLinks.children[1]!;
    const bytes = store.objects.get(toHex(child))!;
    store.objects.delete(toHex(child));
    await expect(collect(reachable(store, root))).rejects.toSatisfy(
      (e) => e instanceof PeerfoldError && e.code === 'missing',
    );
    store.objects.set(toHex(child), bytes);
    const someBlock: Address = [...(await collect(reachable(store, root)))].find(
      (r) => r.kind === 'block',
    )!.address;
    store.objects.delete(toHex(someBlock));
    await expect(collect(reachable(store, root))).rejects.toSatisfy(
      (e) => e instanceof PeerfoldError && e.code === 'missing',
    );
    const unchecked = await collect(reachable(store, root, { checkBlocks: false }));
    expect(unchecked.some((r) => toHex(r.address) === toHex(someBlock))).toBe(true);
  });

  it('refuses a damaged node and a node at the wrong level', async () => {
    const { store, root } = await fixture();
    const damaged = new MemoryObjectStore();
    for (const [k, v] of store.objects) damaged.objects.set(k, v);
    damaged.objects.get(toHex(root))![40]! ^= 1;
    await expect(collect(reachable(damaged, root))).rejects.toSatisfy(
      (e) => e instanceof PeerfoldError && e.code === 'bad-address',
    );
    // an extent is not a tree
    const ctx = context(store);
    const odd = await buildTree(ctx, [bigFile('x', blocksOf('x', 300))]);
    const extent = nodeLinks(store.objects.get(toHex(odd))!).children[0]!;
    await expect(collect(reachable(store, extent))).rejects.toSatisfy(
      (e) => e instanceof PeerfoldError && e.code === 'malformed',
    );
  });
});
