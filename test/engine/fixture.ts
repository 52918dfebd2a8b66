/** Shared fixtures of the engine tests (not a test file itself). */
import { blockKeys, type BlockKeys } from '../../src/core/blocks';
import { toHex } from '../../src/core/bytes';
import { hash } from '../../src/core/crypto';
import type { Drive, DriveEntry, Expect, WriteOptions } from '../../src/core/drive';
import type { Entry } from '../../src/core/entry';
import type { Address } from '../../src/core/objects';
import type { ObjectStore } from '../../src/core/ports';
import { buildTree, iterate, treeKeys, type TreeContext } from '../../src/core/tree';
import { MemoryDrive } from '../../src/storage/memory-drive';
import { MemoryObjectStore } from '../../src/storage/memory-object-store';
import { MemoryStateStore } from '../../src/storage/memory-state-store';
import type { Capability } from '../../src/core/capability';
import { ShareEngine } from '../../src/engine/share';
import { comparePaths } from '../../src/core/path';
import { scanFolder, type ScanOptions } from '../../src/engine/scanner';

export const DEVICE = '0123456789abcdef';
export const DEVICE_B = 'fedcba9876543210';
export const T0 = 1_700_000_000_000;

/** A MemoryDrive that counts content reads and mutations, and can list extra entries. */
export class CountingDrive extends MemoryDrive {
  reads = 0;
  writes = 0;
  renames = 0;
  /** Entries `list` reports on top of the real ones (names a MemoryDrive cannot hold). */
  extra: DriveEntry[] = [];

  override async *list(under?: string): AsyncGenerator<DriveEntry> {
    yield* super.list(under);
    yield* this.extra;
  }
  override read(path: string, offset: number, length: number): Promise<Uint8Array> {
    this.reads++;
    return super.read(path, offset, length);
  }
  override readStream(path: string, chunkBytes?: number): AsyncGenerator<Uint8Array> {
    this.reads++;
    return super.readStream(path, chunkBytes);
  }
  override write(
    path: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: WriteOptions,
  ): Promise<DriveEntry> {
    this.writes++;
    return super.write(path, data, options);
  }
  override rename(from: string, to: string, expect?: Expect): Promise<DriveEntry> {
    this.renames++;
    return super.rename(from, to, expect);
  }
}

/** A store that pretends not to hold some objects (a block not fetched yet). */
export class HidingStore implements ObjectStore {
  readonly hidden = new Set<string>();
  constructor(readonly inner: ObjectStore) {}
  get(address: Address): Promise<Uint8Array | undefined> {
    if (this.hidden.has(toHex(address))) return Promise.resolve(undefined);
    return this.inner.get(address);
  }
  has(address: Address): Promise<boolean> {
    if (this.hidden.has(toHex(address))) return Promise.resolve(false);
    return this.inner.has(address);
  }
  put(address: Address, bytes: Uint8Array): Promise<void> {
    return this.inner.put(address, bytes);
  }
}

export interface Share {
  readonly store: MemoryObjectStore;
  readonly ctx: TreeContext;
  readonly blocks: BlockKeys;
  readonly empty: Address;
}

export async function share(): Promise<Share> {
  const readKey = hash('test/engine-read-key', 32, [Uint8Array.of(7)]);
  const store = new MemoryObjectStore();
  const ctx: TreeContext = { store, keys: treeKeys(readKey) };
  return { store, ctx, blocks: blockKeys(readKey), empty: await buildTree(ctx, []) };
}

/** scanFolder of `drive` into `s`'s store as DEVICE, from the empty index, with `options` on top. */
export function scanInto(s: Share, drive: Drive, options: Partial<ScanOptions> = {}) {
  return scanFolder({
    drive,
    ctx: s.ctx,
    blocks: s.blocks,
    store: s.store,
    root: s.empty,
    device: DEVICE,
    floor: 0,
    now: () => T0 + 99,
    ...options,
  });
}

export async function folder(options: { caseInsensitive?: boolean } = {}): Promise<CountingDrive> {
  const drive = new CountingDrive({ ...options, now: () => T0 });
  await drive.createMarker();
  return drive;
}

export async function put(
  drive: MemoryDrive,
  path: string,
  data: Uint8Array,
  mtime = T0,
  executable = false,
): Promise<void> {
  await drive.write(path, [data], { mtime, executable });
}

/** Every entry of a tree by path. */
export async function entries(s: Share, root: Address): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  for await (const e of iterate(s.ctx, root)) out.set(e.path, e);
  return out;
}

/** What a folder holds, comparable with toEqual: kinds, files' bytes (hex), mtimes, x bits. */
export async function snapshot(drive: MemoryDrive): Promise<Record<string, string>> {
  const listed: DriveEntry[] = [];
  for await (const e of drive.list()) listed.push(e);
  listed.sort((a, b) => comparePaths(a.path, b.path));
  const out: Record<string, string> = {};
  for (const e of listed) {
    if (e.kind === 'dir') out[e.path] = 'dir';
    else {
      const bytes = await drive.read(e.path, 0, e.size + 1);
      out[e.path] = `${e.mtime} ${e.executable ? 'x' : '-'} ${toHex(bytes)}`;
    }
  }
  return out;
}

/**
 * A started ShareEngine over an in-memory folder holding `files` (marker made) and in-memory
 * stores, with a random device id: one peer for the network tests in Node and in Chromium.
 */
export async function memoryPeer(
  capability: Capability,
  files: Record<string, Uint8Array> = {},
): Promise<{ engine: ShareEngine; drive: MemoryDrive }> {
  const drive = new MemoryDrive({ now: () => T0 });
  await drive.createMarker();
  for (const [path, bytes] of Object.entries(files)) await put(drive, path, bytes);
  const engine = new ShareEngine({
    capability,
    drive,
    store: new MemoryObjectStore(),
    state: new MemoryStateStore(),
    device: toHex(crypto.getRandomValues(new Uint8Array(8))),
    now: () => T0,
  });
  await engine.start();
  return { engine, drive };
}
