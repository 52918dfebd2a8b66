import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesEqual, toHex } from '../../src/core/bytes';
import { objectAddress } from '../../src/core/objects';
import { OpfsObjectStore } from '../../src/storage/opfs-object-store';
import { bytesFor } from './drive-contract';
import { objectStoreContract } from './object-store-contract';
import { names, opfsDir } from './opfs-harness';

async function opfsHarness() {
  const dir = await opfsDir('peerfold-objects');
  const store = new OpfsObjectStore(dir.dir);
  const fan = async (hex: string) =>
    (await dir.dir.getDirectoryHandle('objects')).getDirectoryHandle(hex.slice(0, 2));
  return {
    store,
    dir,
    fan,
    corrupt: async (a: Uint8Array) => {
      const hex = toHex(a);
      const out = await (await (await fan(hex)).getFileHandle(hex.slice(2))).createWritable();
      await out.write('bit rot');
      await out.close();
      return store; // it checks every read
    },
    cleanup: () => dir.remove(),
  };
}

objectStoreContract('opfs', opfsHarness, { corruptible: true });

describe('OpfsObjectStore', () => {
  let h: Awaited<ReturnType<typeof opfsHarness>>;
  beforeEach(async () => {
    h = await opfsHarness();
  });
  afterEach(() => h.cleanup());

  it('fans objects out as objects/ab/cdef..., persists them, cleans temporary files', async () => {
    const o = bytesFor('layout', 10);
    const hex = toHex(objectAddress(o));
    await h.store.put(objectAddress(o), o);
    expect(await names(await h.fan(hex))).toEqual([hex.slice(2)]);
    const tmp = await (await h.dir.dir.getDirectoryHandle('objects')).getDirectoryHandle('tmp');
    expect(await names(tmp)).toEqual([]);
    await tmp.getFileHandle('.peerfold-tmp-dead', { create: true });
    expect(await h.store.cleanupTemp()).toBe(1);
    expect(await names(tmp)).toEqual([]);
    const reopened = new OpfsObjectStore(h.dir.dir);
    expect(bytesEqual((await reopened.get(objectAddress(o)))!, o)).toBe(true);
  });

  it('stores 64 MiB of 256 KiB blocks and reads them back', async () => {
    const blocks = Array.from({ length: 256 }, (_, i) => bytesFor(`block-${i}`, 256 * 1024));
    const addresses = blocks.map((b) => objectAddress(b));
    const start = performance.now();
    for (const [i, b] of blocks.entries()) await h.store.put(addresses[i]!, b);
    const putMs = performance.now() - start;
    const getStart = performance.now();
    for (const [i, a] of addresses.entries()) {
      expect(bytesEqual((await h.store.get(a))!, blocks[i]!)).toBe(true);
    }
    const getMs = performance.now() - getStart;
    console.log(
      `OPFS object store, 256 x 256 KiB: put ${(64000 / putMs).toFixed(1)} MiB/s,` +
        ` get+verify ${(64000 / getMs).toFixed(1)} MiB/s`,
    );
  });
});
