import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import type { Entry } from '../../src/core/entry';
import type { Address } from '../../src/core/objects';
import {
  buildTree,
  diffTrees,
  lookup,
  nodeLinks,
  updateTree,
  type Mutation,
  type TreeContext,
} from '../../src/core/tree';
import { MemoryObjectStore } from '../helpers/memory-store';
import { collect, context, CountingStore, fileEntry, manyPaths } from './tree-fixtures';

const N = 100_000;

describe(`a ${N}-entry index`, () => {
  const memory = new MemoryObjectStore();
  const store = new CountingStore(memory);
  let ctx: TreeContext;
  let entries: Entry[];
  let root: Address;
  let depth: number;

  beforeAll(async () => {
    ctx = context(store);
    entries = manyPaths(N).map((p, i) => fileEntry(p, { blocks: 1 + (i % 3) }));
    const started = performance.now();
    root = await buildTree(ctx, entries);
    const ms = performance.now() - started;
    const bytes = await memory.get(root);
    depth = nodeLinks(bytes!).level + 1;
    console.log(
      `build ${N} entries: ${ms.toFixed(0)} ms, ${memory.puts} nodes, ` +
        `${(memory.bytesPut / 1024 / 1024).toFixed(1)} MiB, depth ${depth}`,
    );
  }, 120_000);

  /** Applies `muts`, returns the new root and what it cost in new nodes and bytes. */
  async function change(label: string, muts: Mutation[]) {
    const puts = memory.puts;
    const bytes = memory.bytesPut;
    const gets = store.gets;
    const started = performance.now();
    const next = await updateTree(ctx, root, muts);
    const cost = {
      nodes: memory.puts - puts,
      bytes: memory.bytesPut - bytes,
      reads: store.gets - gets,
      ms: performance.now() - started,
    };
    console.log(
      `${label}: ${cost.nodes} new nodes, ${cost.bytes} bytes, ${cost.reads} nodes read, ` +
        `${cost.ms.toFixed(1)} ms (depth ${depth})`,
    );
    return { next, ...cost };
  }

  it('has the expected depth', () => {
    // fanout about 32: 100 000 entries need 4 levels, rarely 5
    expect(depth).toBeGreaterThanOrEqual(3);
    expect(depth).toBeLessThanOrEqual(5);
  });

  it('rewrites O(log n) nodes, under 64 KiB, for a one-entry change', async () => {
    const target = entries[54_321]!;
    const edits: [string, Mutation[]][] = [
      ['modify one file', [{ path: target.path, entry: fileEntry(target.path, { version: 2 }) }]],
      ['add one file', [{ path: 'dir-5/sub-5/new.txt', entry: fileEntry('dir-5/sub-5/new.txt') }]],
      ['delete one file', [{ path: entries[777]!.path, entry: null }]],
      ['add a file at the end', [{ path: 'zzz', entry: fileEntry('zzz') }]],
      ['add a file at the start', [{ path: '0', entry: fileEntry('0') }]],
    ];
    for (const [label, muts] of edits) {
      const { next, nodes, bytes, reads } = await change(label, muts);
      expect(toHex(next)).not.toBe(toHex(root));
      expect(nodes).toBeGreaterThanOrEqual(1);
      expect(nodes).toBeLessThanOrEqual(2 * depth + 2);
      expect(bytes).toBeLessThan(64 * 1024);
      expect(reads).toBeLessThanOrEqual(4 * depth + 4);
    }
  });

  it('diffs a one-entry change reading O(log n) nodes', async () => {
    const target = entries[12_345]!;
    const changed = fileEntry(target.path, { version: 7 });
    const { next } = await change('modify for diff', [{ path: target.path, entry: changed }]);
    const gets = store.gets;
    const changes = await collect(diffTrees(ctx, root, next));
    const reads = store.gets - gets;
    console.log(`diff of a one-entry change: ${reads} nodes read`);
    expect(changes).toEqual([{ path: target.path, before: target, after: changed }]);
    expect(reads).toBeLessThanOrEqual(2 * depth + 4);
  });

  it('looks up a path reading one node per level', async () => {
    const gets = store.gets;
    expect(await lookup(ctx, root, entries[99_999]!.path)).toEqual(entries[99_999]);
    expect(store.gets - gets).toBe(depth);
  });

  it('applies a batch of 100 scattered changes like a full rebuild would', async () => {
    const muts: Mutation[] = [];
    const final = new Map(entries.map((e) => [e.path, e]));
    for (let i = 0; i < 100; i++) {
      const e = entries[(i * 997) % N]!;
      const entry = i % 4 === 0 ? null : fileEntry(e.path, { version: 2 + i });
      muts.push({ path: e.path, entry });
      if (entry) final.set(e.path, entry);
      else final.delete(e.path);
    }
    const { next, nodes, bytes } = await change('100 scattered changes', muts);
    expect(nodes).toBeLessThanOrEqual(100 * (depth + 1));
    expect(bytes).toBeLessThan(100 * 64 * 1024);
    const gets = store.gets;
    const changes = await collect(diffTrees(ctx, root, next));
    const reads = store.gets - gets;
    console.log(`diff of 100 scattered changes: ${reads} nodes read`);
    expect(changes.map((c) => c.path).sort()).toEqual(muts.map((m) => m.path).sort());
    expect(reads).toBeLessThanOrEqual(100 * 2 * depth + 4);
    const fresh = context(new MemoryObjectStore());
    const rebuilt = await buildTree(fresh, final.values());
    expect(toHex(next)).toBe(toHex(rebuilt));
  }, 120_000);
});
