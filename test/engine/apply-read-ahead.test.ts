import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../src/core/bytes';
import type { Address } from '../../src/core/objects';
import type { ObjectStore } from '../../src/core/ports';
import { lookup } from '../../src/core/tree';
import { applyTree, FILES_AT_ONCE, READ_AHEAD_BUDGET } from '../../src/engine/apply';
import { READ_AHEAD } from '../../src/engine/file-blocks';
import { bytesFor } from '../helpers/data';
import { folder, put, scanInto, share, T0 } from './fixture';

/** A store whose reads take a few milliseconds each; counts how many run at once. */
class SlowStore implements ObjectStore {
  running = 0;
  maxRunning = 0;
  constructor(private readonly inner: ObjectStore) {}
  async get(address: Address): Promise<Uint8Array | undefined> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise((r) => setTimeout(r, 3));
    this.running--;
    return this.inner.get(address);
  }
  has(address: Address): Promise<boolean> {
    return this.inner.has(address);
  }
  put(address: Address, bytes: Uint8Array): Promise<void> {
    return this.inner.put(address, bytes);
  }
}

describe('applyTree reading blocks ahead', () => {
  it('reads several blocks of a file at once, a bounded number, and writes them in order', async () => {
    const s = await share();
    const a = await folder();
    const b = await folder();
    const data = bytesFor('many-blocks', 3 * 1024 * 1024);
    await put(a, 'big.bin', data, T0 + 1);
    const scan = await scanInto(s, a, { now: () => T0 + 50 });
    const blocks = (await lookup(s.ctx, scan.root, 'big.bin'))!.blocks.length;
    expect(blocks).toBeGreaterThan(16);
    const store = new SlowStore(s.store);
    const r = await applyTree({
      drive: b,
      ctx: s.ctx,
      blocks: s.blocks,
      store,
      from: s.empty,
      to: scan.root,
    });
    expect(r.conflicts).toEqual([]);
    expect(bytesEqual(await b.read('big.bin', 0, data.length + 1), data)).toBe(true);
    expect(store.maxRunning).toBeGreaterThan(1);
    expect(store.maxRunning).toBeLessThanOrEqual(8);
  });
});

describe('applyTree writing several files at once', () => {
  /** Applies `count` files of `size` bytes; returns how many writes ran at once at most. */
  async function writesAtOnce(count: number, size: number): Promise<number> {
    const s = await share();
    const a = await folder();
    const b = await folder();
    const files = Array.from({ length: count }, (_, i) => ({
      path: `d/f${i}.bin`,
      data: bytesFor(`file-${i}`, size + i),
    }));
    for (const f of files) await put(a, f.path, f.data, T0 + 1);
    const scan = await scanInto(s, a, { now: () => T0 + 50 });
    let running = 0;
    let maxRunning = 0;
    const write = b.write.bind(b);
    b.write = async (path, data, options) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 5));
      try {
        return await write(path, data, options);
      } finally {
        running--;
      }
    };
    const r = await applyTree({
      drive: b,
      ctx: s.ctx,
      blocks: s.blocks,
      store: s.store,
      from: s.empty,
      to: scan.root,
    });
    expect(r.conflicts).toEqual([]);
    expect(r.applied).toEqual(['d', ...files.map((f) => f.path)].sort());
    for (const f of files) {
      expect(bytesEqual(await b.read(f.path, 0, f.data.length + 1), f.data)).toBe(true);
    }
    return maxRunning;
  }

  it('overlaps up to FILES_AT_ONCE small files and still writes every file whole', async () => {
    expect(await writesAtOnce(FILES_AT_ONCE * 2 + 3, 20_000)).toBe(FILES_AT_ONCE);
  });

  it('runs fewer big files at once: their read-ahead stays within the budget', async () => {
    const perFile = READ_AHEAD * 256 * 1024; // a file this big may hold READ_AHEAD full blocks
    const bound = READ_AHEAD_BUDGET / perFile;
    expect(bound).toBeLessThan(FILES_AT_ONCE);
    expect(await writesAtOnce(bound + 3, perFile)).toBe(bound);
  });
});
