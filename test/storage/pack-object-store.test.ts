/**
 * PackObjectStore beyond the ObjectStore contract: reopening, torn tails, corruption, batching,
 * legacy objects, a reader beside a writer, and the index's open time and memory at 200 000
 * objects (logged, never asserted as a time).
 */
import { appendFile, mkdtemp, open, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import { objectAddress } from '../../src/core/objects';
import { FsObjectStore } from '../../src/storage/fs-object-store';
import { PackObjectStore, type PackStoreOptions } from '../../src/storage/pack-object-store';
import { bytesFor, codeOf } from './drive-contract';

const HEADER = 8; // pack and idx files start with an 8-byte magic
const RECORD_HEADER = 36; // u32 length + address
const IDX_ENTRY = 40; // address + u32 offset + u32 length

let dir: string;
let packs: string;
const opened: PackObjectStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peerfold-pack-'));
  packs = join(dir, 'packs');
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function openStore(options: PackStoreOptions = {}): Promise<PackObjectStore> {
  const store = await PackObjectStore.open(dir, options);
  opened.push(store);
  return store;
}

const object = (label: string, size: number) => {
  const bytes = bytesFor(label, size);
  return { bytes, address: objectAddress(bytes) };
};

async function expectHeld(store: PackObjectStore, o: { bytes: Uint8Array; address: Uint8Array }) {
  expect(await store.has(o.address)).toBe(true);
  expect(toHex((await store.get(o.address))!)).toBe(toHex(o.bytes));
}

async function expectMissing(store: PackObjectStore, address: Uint8Array) {
  expect(await store.has(address)).toBe(false);
  expect(await store.get(address)).toBeUndefined();
}

const size = async (name: string) => (await stat(join(packs, name))).size;
const packFiles = async () => (await readdir(packs)).filter((n) => n.endsWith('.pack')).sort();

describe('PackObjectStore', () => {
  it('finds every object after a reopen, and appends to the same pack', async () => {
    const objects = [0, 1, 100, 65_536, 300_000].map((n) => object(`reopen-${n}`, n));
    const first = await openStore();
    for (const o of objects) await first.put(o.address, o.bytes);
    await first.close();
    const again = await openStore();
    expect(again.size).toBe(objects.length);
    expect(again.storedBytes).toBe(objects.reduce((sum, o) => sum + o.bytes.length, 0));
    for (const o of objects) await expectHeld(again, o);
    const before = await size('0.pack');
    const more = object('reopen-more', 5000);
    await again.put(more.address, more.bytes);
    expect(await packFiles()).toEqual(['0.pack']);
    expect(await size('0.pack')).toBe(before + RECORD_HEADER + 5000);
  });

  it('starts a new pack once one is full, and reads across packs', async () => {
    const store = await openStore({ maxPackBytes: 50_000 });
    const objects = Array.from({ length: 10 }, (_, i) => object(`roll-${i}`, 20_000));
    for (const o of objects) await store.put(o.address, o.bytes);
    expect(await packFiles()).toEqual(['0.pack', '1.pack', '2.pack', '3.pack', '4.pack']);
    await store.close();
    const again = await openStore({ maxPackBytes: 50_000 });
    for (const o of objects) await expectHeld(again, o);
  });

  it('batches concurrent puts into few appends and stores one address once', async () => {
    const store = await openStore();
    const distinct = Array.from({ length: 16 }, (_, i) => object(`batch-${i}`, 64 * 1024));
    const same = object('batch-same', 70_000);
    await Promise.all([
      ...distinct.map((o) => store.put(o.address, o.bytes)),
      ...Array.from({ length: 8 }, () => store.put(same.address, same.bytes)),
    ]);
    expect(store.batches).toBe(1); // issued together: one pack write, one idx write
    for (const o of [...distinct, same]) await expectHeld(store, o);
    const records = (await readFile(join(packs, '0.pack'))).length - HEADER;
    expect(records).toBe(16 * (RECORD_HEADER + 64 * 1024) + RECORD_HEADER + 70_000);
    expect(await size('0.idx')).toBe(HEADER + 17 * IDX_ENTRY);
    await store.put(same.address, same.bytes); // stored: nothing written
    expect(store.batches).toBe(1);
  });

  it('a pack cut mid-record loses only that record; the store goes on in a new pack', async () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((l) => object(`torn-${l}`, 10_000));
    const first = await openStore();
    for (const o of [a!, b!, c!]) await first.put(o.address, o.bytes);
    await first.close();
    await truncate(join(packs, '0.pack'), HEADER + 2 * (RECORD_HEADER + 10_000) + 5000);
    const store = await openStore();
    expect(store.dropped).toBe(1);
    expect(store.storedBytes).toBe(20_000);
    await expectHeld(store, a!);
    await expectHeld(store, b!);
    await expectMissing(store, c!.address);
    await store.put(c!.address, c!.bytes); // fetched again
    await store.put(d!.address, d!.bytes);
    expect(await packFiles()).toEqual(['0.pack', '1.pack']);
    await store.close();
    const again = await openStore();
    for (const o of [a!, b!, c!, d!]) await expectHeld(again, o);
  });

  it('an idx cut mid-entry loses only that entry; the pack is appended after the last good record', async () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((l) => object(`idx-${l}`, 10_000));
    const first = await openStore();
    for (const o of [a!, b!, c!]) await first.put(o.address, o.bytes);
    await first.close();
    await truncate(join(packs, '0.idx'), HEADER + 2 * IDX_ENTRY + 17);
    const store = await openStore();
    expect(store.dropped).toBe(0);
    await expectHeld(store, a!);
    await expectHeld(store, b!);
    await expectMissing(store, c!.address);
    const goodEnd = HEADER + 2 * (RECORD_HEADER + 10_000);
    expect(await size('0.pack')).toBe(goodEnd); // c's record had no entry: cut off
    expect(await size('0.idx')).toBe(HEADER + 2 * IDX_ENTRY);
    await store.put(d!.address, d!.bytes);
    expect(await packFiles()).toEqual(['0.pack']);
    expect(await size('0.pack')).toBe(goodEnd + RECORD_HEADER + 10_000);
    await store.close();
    const again = await openStore();
    for (const o of [a!, b!, d!]) await expectHeld(again, o);
    await expectMissing(again, c!.address);
  });

  it('never returns wrong bytes: a damaged object or record header reads as missing, also after a restart', async () => {
    const [a, b] = ['a', 'b'].map((l) => object(`rot-${l}`, 4000));
    const first = await openStore();
    await first.put(a!.address, a!.bytes);
    await first.put(b!.address, b!.bytes);
    await first.close();
    await flipByte(join(packs, '0.pack'), HEADER + RECORD_HEADER + 1234); // a's bytes
    await flipByte(join(packs, '0.pack'), HEADER + RECORD_HEADER + 4000 + 1); // b's length field
    const store = await openStore();
    expect(await store.has(a!.address)).toBe(true); // only a read can tell
    expect(await store.get(a!.address)).toBeUndefined();
    expect(await store.get(b!.address)).toBeUndefined();
    await expectMissing(store, a!.address);
    expect(store.storedBytes).toBe(0);
    await store.close(); // the tombstones are written by now
    const again = await openStore();
    await expectMissing(again, a!.address);
    await expectMissing(again, b!.address);
    await again.put(a!.address, a!.bytes);
    await again.close();
    const third = await openStore();
    await expectHeld(third, a!);
    await expectMissing(third, b!.address);
  });

  it('hashes an object it wrote only after it is opened again (a torn write needs a crash)', async () => {
    const [a] = ['a'].map((l) => object(`own-${l}`, 4000));
    const store = await openStore();
    await store.put(a!.address, a!.bytes);
    await flipByte(join(packs, '0.pack'), HEADER + RECORD_HEADER + 100); // behind its back
    const got = await store.get(a!.address);
    expect(got && got[100]).toBe(a!.bytes[100]! ^ 0xff); // trusted: not hashed again
    await store.close();
    const again = await openStore();
    expect(await again.get(a!.address)).toBeUndefined(); // the first read after open hashes
    await again.close();
  });

  it('reads objects of the file store through, and puts new ones into packs', async () => {
    const old = object('legacy-old', 3000);
    const rotten = object('legacy-rotten', 3000);
    const legacy = new FsObjectStore(dir);
    await legacy.put(old.address, old.bytes);
    await legacy.put(rotten.address, rotten.bytes);
    const hex = toHex(rotten.address);
    await appendFile(join(dir, 'objects', hex.slice(0, 2), hex.slice(2)), 'x');
    const store = await openStore();
    await expectHeld(store, old);
    await store.put(old.address, old.bytes); // held by the file store: not written again
    expect(store.size).toBe(0);
    expect(await store.get(rotten.address)).toBeUndefined();
    const fresh = object('legacy-new', 3000);
    await store.put(fresh.address, fresh.bytes);
    await expectHeld(store, fresh);
    expect(store.size).toBe(1);
    expect(await legacy.has(fresh.address)).toBe(false);
  });

  it('a read-only store beside the writer reads, never writes, and ignores half an idx entry', async () => {
    const [a, b] = ['a', 'b'].map((l) => object(`reader-${l}`, 2000));
    const writer = await openStore();
    await writer.put(a!.address, a!.bytes);
    await appendFile(join(packs, '0.idx'), new Uint8Array(IDX_ENTRY / 2)); // as if mid-write
    const idxBytes = await size('0.idx');
    const reader = await openStore({ readOnly: true });
    await expectHeld(reader, a!);
    expect(await codeOf(reader.put(b!.address, b!.bytes))).toBe('io');
    expect(await size('0.idx')).toBe(idxBytes); // not cut: it may be the writer's next entry
    expect(await packFiles()).toEqual(['0.pack']);
  });

  it('opens 200 000 objects from their idx files with a compact index', async () => {
    const count = 200_000;
    const { sample, writeMs, batches } = await writeMany(count);
    const heap0 = memory();
    const t1 = performance.now();
    const again = await openStore();
    const openMs = performance.now() - t1;
    const heap1 = memory();
    expect(again.size).toBe(count);
    for (const o of sample) await expectHeld(again, o);
    const perObject = (n: number) => (n / count).toFixed(1);
    console.info(
      `pack store, ${count} objects of 16 B in ${(await packFiles()).length} packs: ` +
        `written in ${writeMs.toFixed(0)} ms (${batches} batches), opened in ` +
        `${openMs.toFixed(0)} ms; index typed arrays ${(again.indexBytes / 2 ** 20).toFixed(1)} MiB ` +
        `(${perObject(again.indexBytes)} B/object); heap + array buffers grew by ` +
        `${((heap1 - heap0) / 2 ** 20).toFixed(1)} MiB (${perObject(heap1 - heap0)} B/object)`,
    );
    expect(again.indexBytes / count).toBeLessThan(100);
  }, 120_000);
});

/** Puts `count` small objects in groups of 2000 at once, then closes (and drops) the store. */
async function writeMany(count: number) {
  const store = await PackObjectStore.open(dir, { maxPackBytes: 4 * 1024 * 1024 });
  const t0 = performance.now();
  const sample: { bytes: Uint8Array; address: Uint8Array }[] = [];
  for (let i = 0; i < count; i += 2000) {
    const group = Array.from({ length: 2000 }, (_, j) => object(`many-${i + j}`, 16));
    sample.push(group[0]!);
    await Promise.all(group.map((o) => store.put(o.address, o.bytes)));
  }
  const writeMs = performance.now() - t0;
  await store.close();
  return { sample, writeMs, batches: store.batches };
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** JS heap plus ArrayBuffer memory (where the index's typed arrays live), after a full GC. */
function memory(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function flipByte(file: string, at: number): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await fh.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    await fh.write(byte, 0, 1, at);
  } finally {
    await fh.close();
  }
}
