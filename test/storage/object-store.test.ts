import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import { objectAddress } from '../../src/core/objects';
import { FsObjectStore } from '../../src/storage/fs-object-store';
import { MemoryObjectStore } from '../../src/storage/memory-object-store';
import { PackObjectStore } from '../../src/storage/pack-object-store';
import { bytesFor } from './drive-contract';
import { objectStoreContract } from './object-store-contract';

async function fsHarness() {
  const dir = await mkdtemp(join(tmpdir(), 'peerfold-objects-'));
  const store = new FsObjectStore(dir);
  return {
    store,
    dir,
    corrupt: async (a: Uint8Array) => {
      const hex = toHex(a);
      await writeFile(join(dir, 'objects', hex.slice(0, 2), hex.slice(2)), 'bit rot');
      return store; // it checks every read
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Flips a byte of the object's bytes inside the pack that holds its record. */
async function corruptInPack(packs: string, address: Uint8Array): Promise<void> {
  for (const name of (await readdir(packs)).filter((n) => n.endsWith('.pack'))) {
    const at = (await readFile(join(packs, name))).indexOf(Buffer.from(address));
    if (at < 0) continue;
    const fh = await open(join(packs, name), 'r+');
    try {
      const byte = Buffer.alloc(1);
      await fh.read(byte, 0, 1, at + address.length);
      byte[0] = byte[0]! ^ 0xff;
      await fh.write(byte, 0, 1, at + address.length);
    } finally {
      await fh.close();
    }
    return;
  }
  throw new Error('no record of this address in any pack');
}

async function packHarness() {
  const dir = await mkdtemp(join(tmpdir(), 'peerfold-packs-'));
  let store = await PackObjectStore.open(dir);
  return {
    get store() {
      return store;
    },
    corrupt: async (a: Uint8Array) => {
      await store.close();
      await corruptInPack(join(dir, 'packs'), a);
      store = await PackObjectStore.open(dir);
      return store;
    },
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

objectStoreContract('memory', () =>
  Promise.resolve({ store: new MemoryObjectStore(), cleanup: () => Promise.resolve() }),
);
objectStoreContract('fs', fsHarness, { corruptible: true });
objectStoreContract('pack', packHarness, { corruptible: true });

describe('FsObjectStore', () => {
  it('fans objects out as objects/ab/cdef... and cleans temporary files', async () => {
    const h = await fsHarness();
    try {
      const o = bytesFor('layout', 10);
      const hex = toHex(objectAddress(o));
      await h.store.put(objectAddress(o), o);
      expect(await readdir(join(h.dir, 'objects', hex.slice(0, 2)))).toEqual([hex.slice(2)]);
      expect(await readdir(join(h.dir, 'objects', 'tmp'))).toEqual([]);
      await writeFile(join(h.dir, 'objects', 'tmp', '.peerfold-tmp-dead'), 'half');
      expect(await h.store.cleanupTemp()).toBe(1);
      expect(await readdir(join(h.dir, 'objects', 'tmp'))).toEqual([]);
      expect(await new FsObjectStore(h.dir).has(objectAddress(o))).toBe(true); // persisted
    } finally {
      await h.cleanup();
    }
  });

  it('stores an object it just found missing, even if another writer stored it meanwhile', async () => {
    const h = await fsHarness();
    try {
      const o = bytesFor('missing-then-put', 70_000);
      const a = objectAddress(o);
      expect(await h.store.get(a)).toBeUndefined(); // remembered as missing: the put skips its stat
      await new FsObjectStore(h.dir).put(a, o); // another writer gets there first
      await h.store.put(a, o);
      expect(await h.store.has(a)).toBe(true);
      expect(toHex((await h.store.get(a))!)).toBe(toHex(o));
      expect(await readdir(join(h.dir, 'objects', 'tmp'))).toEqual([]);
      // once stored, a put checks again and writes nothing
      const before = await stat(join(h.dir, 'objects', toHex(a).slice(0, 2), toHex(a).slice(2)));
      await h.store.put(a, o);
      const after = await stat(join(h.dir, 'objects', toHex(a).slice(0, 2), toHex(a).slice(2)));
      expect(after.ino).toBe(before.ino);
    } finally {
      await h.cleanup();
    }
  });
});
