/**
 * The scan reads and stores several files at once (FILES_READ_AHEAD, PUTS_IN_FLIGHT): the index
 * is the same as one file after the other, and a scan that fails ends only once no file it
 * started is still being read or stored (nothing keeps writing into a store being closed).
 */
import { describe, expect, it } from 'vitest';
import { PeerfoldError } from '../../src/core/errors';
import type { Address } from '../../src/core/objects';
import type { ObjectStore } from '../../src/core/ports';
import { FILES_READ_AHEAD } from '../../src/engine/scanner';
import { bytesFor } from '../helpers/data';
import { entries, folder, put, scanInto, share } from './fixture';

/** A store whose puts take a turn of the event loop, counting those running; one may fail. */
class SlowStore implements ObjectStore {
  running = 0;
  most = 0;
  puts = 0;
  failOn: number | undefined;
  constructor(private readonly inner: ObjectStore) {}
  async put(address: Address, bytes: Uint8Array): Promise<void> {
    const n = ++this.puts;
    this.most = Math.max(this.most, ++this.running);
    try {
      await new Promise((r) => setTimeout(r, 1));
      if (n === this.failOn) throw new PeerfoldError('no-space', 'the disk is full');
      await this.inner.put(address, bytes);
    } finally {
      this.running--;
    }
  }
  get = (a: Address) => this.inner.get(a);
  has = (a: Address) => this.inner.has(a);
}

describe('scanFolder reading ahead', () => {
  it('indexes many files read at once exactly as their content says, in path order', async () => {
    const s = await share();
    const drive = await folder();
    for (let i = 0; i < 12; i++) {
      await put(drive, `d/f${String(i).padStart(2, '0')}.bin`, bytesFor(`file ${i}`, 40_000 + i));
    }
    const store = new SlowStore(s.store);
    const scan = await scanInto(s, drive, { store });
    expect(scan.changed).toEqual([
      'd',
      ...Array.from({ length: 12 }, (_, i) => `d/f${String(i).padStart(2, '0')}.bin`),
    ]);
    expect(store.most).toBeGreaterThan(1); // puts did overlap
    const index = await entries(s, scan.root);
    for (let i = 0; i < 12; i++) {
      const e = index.get(`d/f${String(i).padStart(2, '0')}.bin`)!;
      expect(e.size).toBe(40_000 + i);
      for (const b of e.blocks) expect(await s.store.has(b.address)).toBe(true);
    }
  });

  it('fails only once no file it started is still read or stored', async () => {
    const s = await share();
    const drive = await folder();
    for (let i = 0; i < FILES_READ_AHEAD * 3; i++) {
      await put(drive, `f${String(i).padStart(2, '0')}.bin`, bytesFor(`file ${i}`, 100_000));
    }
    const store = new SlowStore(s.store);
    store.failOn = 3;
    const scan = scanInto(s, drive, { store });
    await expect(scan).rejects.toThrow('the disk is full');
    expect(store.running).toBe(0);
    const putsAtFailure = store.puts;
    await new Promise((r) => setTimeout(r, 20));
    expect(store.puts).toBe(putsAtFailure); // nothing started after the scan ended
  });
});
