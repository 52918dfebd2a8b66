import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesEqual } from '../../src/core/bytes';
import { objectAddress } from '../../src/core/objects';
import { OpfsObjectStore } from '../../src/storage/opfs-object-store';
import { IDX_ENTRY_BYTES } from '../../src/storage/pack-format';
import { bytesFor, codeOf } from './drive-contract';
import { objectStoreContract } from './object-store-contract';
import { PackStoreProxy } from './opfs-pack-proxy';
import { names, opfsDir } from './opfs-harness';

type Dir = Awaited<ReturnType<typeof opfsDir>>;

async function packsOf(dir: Dir) {
  return dir.dir.getDirectoryHandle('packs');
}

async function fileBytes(dir: Dir, name: string): Promise<Uint8Array> {
  const file = await (await (await packsOf(dir)).getFileHandle(name)).getFile();
  return new Uint8Array(await file.arrayBuffer());
}

/** Rewrites a pack file behind the store's back (the store must be closed). */
async function rewrite(dir: Dir, name: string, edit: (bytes: Uint8Array) => Uint8Array) {
  const handle = await (await packsOf(dir)).getFileHandle(name);
  const edited = edit(await fileBytes(dir, name));
  const out = await handle.createWritable();
  await out.write(edited.slice());
  await out.close();
}

async function packHarness() {
  const dir = await opfsDir('peerfold-packs');
  let store = new PackStoreProxy();
  await store.open(dir.dir);
  return {
    get store() {
      return store;
    },
    dir,
    corrupt: async () => {
      await store.end();
      // The object just put is the last record: its last byte flipped.
      await rewrite(dir, '0.pack', (b) => {
        b[b.length - 1]! ^= 0xff;
        return b;
      });
      store = new PackStoreProxy();
      await store.open(dir.dir);
      return store;
    },
    cleanup: async () => {
      await store.end();
      await dir.remove();
    },
  };
}

objectStoreContract('opfs packs', packHarness, { corruptible: true });

describe('OpfsPackStore', () => {
  let dir: Dir;
  const proxies: PackStoreProxy[] = [];
  const open = async (maxPackBytes?: number) => {
    const p = new PackStoreProxy();
    proxies.push(p);
    const dropped = await p.open(dir.dir, maxPackBytes);
    return { p, dropped };
  };
  const objects = (label: string, n: number, size: number) =>
    Array.from({ length: n }, (_, i) => bytesFor(`${label}-${i}`, size));
  const expectAll = async (p: PackStoreProxy, list: Uint8Array[]) => {
    for (const o of list) expect(bytesEqual((await p.get(objectAddress(o)))!, o)).toBe(true);
  };

  beforeEach(async () => {
    dir = await opfsDir('peerfold-packs');
  });
  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.end();
    await dir.remove();
  });

  it('writes packs and idx files, starts a new pack when one is full, and reopens', async () => {
    const { p } = await open(300_000);
    const list = objects('roll', 12, 100_000);
    await Promise.all(list.map((o) => p.put(objectAddress(o), o)));
    await p.close();
    expect(await names(await packsOf(dir))).toEqual(
      ['0', '1', '2', '3', '4', '5'].flatMap((n) => [`${n}.idx`, `${n}.pack`]),
    );
    const again = (await open(300_000)).p;
    expect((await again.stats()).size).toBe(12);
    await expectAll(again, list);
  });

  it('cuts a torn tail off the last pack and appends after its good records', async () => {
    const first = (await open()).p;
    const list = objects('torn', 3, 10_000);
    for (const o of list) await first.put(objectAddress(o), o);
    await first.close();
    const packSize = (await fileBytes(dir, '0.pack')).length;
    const idxSize = (await fileBytes(dir, '0.idx')).length;
    // A record whose idx entry never reached the disk, and half an entry.
    await rewrite(dir, '0.pack', (b) => concat(b, new Uint8Array(5000).fill(7)));
    await rewrite(dir, '0.idx', (b) => concat(b, new Uint8Array(IDX_ENTRY_BYTES / 2).fill(9)));
    const { p, dropped } = await open();
    expect(dropped).toBe(0);
    const more = bytesFor('after-tear', 2000);
    await p.put(objectAddress(more), more);
    await p.close();
    expect((await fileBytes(dir, '0.pack')).length).toBe(packSize + 36 + 2000);
    expect((await fileBytes(dir, '0.idx')).length).toBe(idxSize + IDX_ENTRY_BYTES);
    await expectAll((await open()).p, [...list, more]);
  });

  it('drops entries past the end of a cut pack and writes a new pack after it', async () => {
    const first = (await open()).p;
    const list = objects('cut', 4, 10_000);
    for (const o of list) await first.put(objectAddress(o), o);
    await first.close();
    await rewrite(dir, '0.pack', (b) => b.subarray(0, b.length - 5000)); // the last record torn
    const { p, dropped } = await open();
    expect(dropped).toBe(1);
    expect(await p.has(objectAddress(list[3]!))).toBe(false);
    await expectAll(p, list.slice(0, 3));
    await p.put(objectAddress(list[3]!), list[3]!); // fetched again
    await p.close();
    expect(await names(await packsOf(dir))).toEqual(['0.idx', '0.pack', '1.idx', '1.pack']);
    await expectAll((await open()).p, list);
  });

  it('remembers a corrupt object as forgotten after reopening (a tombstone)', async () => {
    const first = (await open()).p;
    const o = bytesFor('rot', 8000);
    await first.put(objectAddress(o), o);
    await first.close();
    await rewrite(dir, '0.pack', (b) => {
      b[b.length - 1]! ^= 0xff;
      return b;
    });
    const second = (await open()).p;
    expect(await second.get(objectAddress(o))).toBeUndefined();
    await second.close();
    const third = (await open()).p;
    expect(await third.has(objectAddress(o))).toBe(false);
    expect((await third.stats()).size).toBe(0);
  });

  it('starts the next pack when the browser leaves a new pack unanswered', async () => {
    const p = new PackStoreProxy();
    proxies.push(p);
    await p.open(dir.dir, 300_000, { stall: '1.idx', handleTimeoutMs: 300 });
    const list = objects('stall', 6, 100_000);
    for (const o of list) await p.put(objectAddress(o), o);
    await p.close();
    // Pack 1 never got its idx (the request hangs): its objects went to pack 2.
    expect(await names(await packsOf(dir))).toEqual([
      '0.idx',
      '0.pack',
      '1.pack',
      '2.idx',
      '2.pack',
      '3.idx',
      '3.pack',
    ]);
    expect((await fileBytes(dir, '1.pack')).length).toBe(8);
    await expectAll((await open(300_000)).p, list);
  });

  it('is held by one worker at a time, and the next one sees every object', async () => {
    const { p } = await open();
    const o = bytesFor('held', 3000);
    await p.put(objectAddress(o), o);
    const other = new PackStoreProxy();
    proxies.push(other);
    expect(await codeOf(other.open(dir.dir))).toBe('changed');
    await p.close();
    expect(await codeOf(p.get(objectAddress(o)))).toBe('io'); // closed
    await other.open(dir.dir);
    await expectAll(other, [o]);
  });

  it('finds objects of the per-object store it replaces, and stores new ones in packs', async () => {
    const old = bytesFor('legacy', 4000);
    await new OpfsObjectStore(dir.dir).put(objectAddress(old), old);
    const { p } = await open();
    expect(await p.has(objectAddress(old))).toBe(true);
    await expectAll(p, [old]);
    const fresh = bytesFor('fresh', 4000);
    await p.put(objectAddress(fresh), fresh);
    expect((await p.stats()).size).toBe(1);
  });

  it('refuses puts once closed, storing nothing', async () => {
    const { p } = await open();
    const o = bytesFor('late', 10);
    await p.close();
    expect(await codeOf(p.put(objectAddress(o), o))).toBe('io');
    const again = (await open()).p;
    expect(await again.has(objectAddress(o))).toBe(false);
  });
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
