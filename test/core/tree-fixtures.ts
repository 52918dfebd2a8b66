/** Shared fixtures of the tree tests (not a test file itself). */
import { toHex, utf8 } from '../../src/core/bytes';
import { hash } from '../../src/core/crypto';
import type { BlockRef, Entry } from '../../src/core/entry';
import type { Address } from '../../src/core/objects';
import type { ObjectStore } from '../../src/core/ports';
import { treeKeys, type TreeContext } from '../../src/core/tree';
import { MemoryObjectStore } from '../helpers/memory-store';

export const DEVICE = '0123456789abcdef';
export const OTHER_DEVICE = 'fedcba9876543210';

export function readKey(seed = 1): Uint8Array {
  return hash('test/read-key', 32, [Uint8Array.of(seed)]);
}

export function context(store: ObjectStore = new MemoryObjectStore(), seed = 1): TreeContext {
  return { store, keys: treeKeys(readKey(seed)) };
}

/** A block address that stands for some content (the tree never reads blocks). */
export function fakeBlock(label: string): Address {
  return hash('test/block', 32, [utf8(label)]);
}

const blockCache = new Map<string, BlockRef[]>();

export function blocksOf(label: string, count: number, size = 1000): BlockRef[] {
  const key = `${label}/${count}/${size}`;
  let blocks = blockCache.get(key);
  if (!blocks) {
    blocks = Array.from({ length: count }, (_, i) => ({
      address: fakeBlock(`${label}#${i}`),
      size: size + (i % 7),
    }));
    if (blockCache.size < 10_000) blockCache.set(key, blocks);
  }
  return blocks;
}

export function fileEntry(
  path: string,
  { blocks = 1, version = 1, mtime = 1_700_000_000_000, label = path } = {},
): Entry {
  const list = blocksOf(`${label}@${version}`, blocks);
  return {
    path,
    kind: 'file',
    size: list.reduce((s, b) => s + b.size, 0),
    mtime: mtime + version,
    executable: version % 3 === 0,
    blocks: list,
    version: version > 1 ? { [DEVICE]: version, [OTHER_DEVICE]: 1 } : { [DEVICE]: version },
    device: DEVICE,
    deleted: false,
  };
}

export function dirEntry(path: string): Entry {
  return {
    path,
    kind: 'dir',
    size: 0,
    mtime: 1_700_000_000_000,
    executable: false,
    blocks: [],
    version: { [DEVICE]: 1 },
    device: DEVICE,
    deleted: false,
  };
}

export function tombstone(path: string, version = 2): Entry {
  return { ...dirEntry(path), kind: 'file', version: { [DEVICE]: version }, deleted: true };
}

/** n distinct paths in a shape like a real folder: nested directories of files. */
export function manyPaths(n: number, prefix = ''): string[] {
  return Array.from({ length: n }, (_, i) => {
    const d1 = i % 37;
    const d2 = Math.floor(i / 37) % 23;
    return `${prefix}dir-${d1}/sub-${d2}/file-${i}.txt`;
  });
}

/** A store that counts reads: what a diff or lookup costs. */
export class CountingStore implements ObjectStore {
  gets = 0;
  constructor(readonly inner: MemoryObjectStore) {}
  get(address: Address): Promise<Uint8Array | undefined> {
    this.gets++;
    return this.inner.get(address);
  }
  has(address: Address): Promise<boolean> {
    return this.inner.has(address);
  }
  put(address: Address, bytes: Uint8Array): Promise<void> {
    return this.inner.put(address, bytes);
  }
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function hexes(list: readonly Address[]): string[] {
  return list.map(toHex);
}
