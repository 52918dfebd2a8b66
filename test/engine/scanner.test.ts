import { describe, expect, it } from 'vitest';
import { decryptBlock } from '../../src/core/blocks';
import { bytesEqual, concatBytes } from '../../src/core/bytes';
import { isPeerfoldError, PeerfoldError } from '../../src/core/errors';
import { lookup } from '../../src/core/tree';
import { bytesFor } from '../helpers/data';
import {
  DEVICE,
  entries,
  folder,
  put,
  scanInto,
  share,
  T0,
  type CountingDrive,
  type Share,
} from './fixture';

const BIG = bytesFor('big', 300 * 1024);

async function sample(): Promise<{ s: Share; drive: CountingDrive }> {
  const s = await share();
  const drive = await folder();
  await put(drive, 'a.txt', bytesFor('a', 100));
  await put(drive, 'empty', new Uint8Array());
  await put(drive, 'dir/sub/big.bin', BIG, T0 + 5);
  await put(drive, 'dir/sub/run.sh', bytesFor('run', 10), T0, true);
  await drive.mkdir('emptydir');
  return { s, drive };
}

const scan = (s: Share, drive: CountingDrive, root = s.empty, floor = 0, now = T0 + 99) =>
  scanInto(s, drive, { root, floor, now: () => now });

describe('scanFolder', () => {
  it('indexes nested directories, empty and multi-block files', async () => {
    const { s, drive } = await sample();
    const r = await scan(s, drive);
    const all = [
      'a.txt',
      'dir',
      'dir/sub',
      'dir/sub/big.bin',
      'dir/sub/run.sh',
      'empty',
      'emptydir',
    ];
    expect(r.changed).toEqual(all);
    expect(r.skipped).toEqual([]);
    expect(r.floor).toBe(all.length);
    const idx = await entries(s, r.root);
    expect([...idx.keys()]).toEqual(all);
    const counters = [...idx.values()].map((e) => e.version[DEVICE]).sort((a, b) => a! - b!);
    expect(counters).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(idx.get('dir')).toMatchObject({ kind: 'dir', size: 0, blocks: [], deleted: false });
    expect(idx.get('emptydir')?.kind).toBe('dir');
    expect(idx.get('empty')).toMatchObject({ kind: 'file', size: 0, blocks: [] });
    expect(idx.get('dir/sub/run.sh')).toMatchObject({ executable: true, size: 10 });
    const big = idx.get('dir/sub/big.bin')!;
    expect(big).toMatchObject({
      size: BIG.length,
      mtime: T0 + 5,
      executable: false,
      device: DEVICE,
    });
    expect(big.blocks.length).toBeGreaterThan(1);
    const parts = [];
    for (const b of big.blocks)
      parts.push(decryptBlock(s.blocks, b.address, (await s.store.get(b.address))!));
    expect(bytesEqual(concatBytes(...parts), BIG)).toBe(true);
  });

  it('rescans an unchanged folder without reading any file, to the same root', async () => {
    const { s, drive } = await sample();
    const first = await scan(s, drive);
    drive.reads = 0;
    const objects = s.store.size;
    const again = await scan(s, drive, first.root, first.floor);
    expect(drive.reads).toBe(0);
    expect(bytesEqual(again.root, first.root)).toBe(true);
    expect(again.changed).toEqual([]);
    expect(again.floor).toBe(first.floor);
    expect(s.store.size).toBe(objects);
  });

  it('detects edits, appends, deletes and the executable bit; tombstones get new versions', async () => {
    const { s, drive } = await sample();
    const first = await scan(s, drive);
    const before = await entries(s, first.root);
    drive.reads = 0;
    await put(drive, 'a.txt', bytesFor('a2', 100), T0 + 1); // same size, new content
    await put(drive, 'dir/sub/big.bin', concatBytes(BIG, bytesFor('tail', 5000)), T0 + 6);
    await put(drive, 'dir/sub/run.sh', bytesFor('run', 10), T0, false);
    await drive.remove('empty');
    await drive.remove('emptydir');
    const r = await scan(s, drive, first.root, first.floor, T0 + 1234);
    expect(r.changed).toEqual(['a.txt', 'dir/sub/big.bin', 'dir/sub/run.sh', 'empty', 'emptydir']);
    expect(drive.reads).toBe(3);
    expect(r.floor).toBe(first.floor + 5);
    const idx = await entries(s, r.root);
    for (const p of r.changed) {
      expect(idx.get(p)!.version[DEVICE]).toBeGreaterThan(first.floor);
      expect(idx.get(p)!.version[DEVICE]).not.toBe(before.get(p)!.version[DEVICE]);
    }
    expect(idx.get('empty')).toMatchObject({
      deleted: true,
      kind: 'file',
      mtime: T0 + 1234,
      size: 0,
    });
    expect(idx.get('emptydir')).toMatchObject({ deleted: true, kind: 'dir', mtime: T0 + 1234 });
    expect(idx.get('dir/sub/big.bin')!.size).toBe(BIG.length + 5000);
    expect(idx.get('dir/sub/run.sh')!.executable).toBe(false);
    // the appended file shares its leading blocks with the old version
    const oldBlocks = before.get('dir/sub/big.bin')!.blocks;
    expect(bytesEqual(idx.get('dir/sub/big.bin')!.blocks[0]!.address, oldBlocks[0]!.address)).toBe(
      true,
    );
    // a tombstone stays a tombstone on the next scan, and a deleted directory's files go too
    await drive.remove('dir/sub/big.bin');
    await drive.remove('dir/sub/run.sh');
    await drive.remove('dir/sub');
    const r2 = await scan(s, drive, r.root, r.floor);
    expect(r2.changed).toEqual(['dir/sub', 'dir/sub/big.bin', 'dir/sub/run.sh']);
    const r3 = await scan(s, drive, r2.root, r2.floor);
    expect(r3.changed).toEqual([]);
    expect(bytesEqual(r3.root, r2.root)).toBe(true);
  });

  it('a recreated path bumps over its tombstone', async () => {
    const { s, drive } = await sample();
    const first = await scan(s, drive);
    await drive.remove('a.txt');
    const r = await scan(s, drive, first.root, first.floor);
    await put(drive, 'a.txt', bytesFor('again', 3));
    const r2 = await scan(s, drive, r.root, r.floor);
    expect(r2.changed).toEqual(['a.txt']);
    const e = await lookup(s.ctx, r2.root, 'a.txt');
    expect(e).toMatchObject({ deleted: false, size: 3 });
    expect(e!.version[DEVICE]).toBe(r.floor + 1);
  });

  it('throws paused and changes nothing when the root or marker is gone', async () => {
    for (const pull of ['root', 'marker'] as const) {
      const { s, drive } = await sample();
      const first = await scan(s, drive);
      const objects = s.store.size;
      if (pull === 'root') drive.removeRoot();
      else drive.removeMarker();
      const err = await scan(s, drive, first.root, first.floor).catch((e: unknown) => e);
      expect(isPeerfoldError(err, 'paused')).toBe(true);
      expect(s.store.size).toBe(objects);
      const idx = await entries(s, first.root);
      expect([...idx.values()].every((e) => !e.deleted)).toBe(true);
    }
  });

  it('skips invalid names and case-only duplicates, with reasons, and never indexes them', async () => {
    const s = await share();
    const drive = await folder({ caseInsensitive: true });
    await put(drive, 'Readme.md', bytesFor('r', 10));
    const first = await scan(s, drive);
    const mk = (path: string) => ({
      path,
      kind: 'file' as const,
      size: 1,
      mtime: T0,
      executable: false,
    });
    drive.extra = [mk('CON'), mk('x/../y'), mk('bad:name'), mk('README.md'), mk('trail.')];
    const r = await scan(s, drive, first.root, first.floor);
    expect(r.changed).toEqual([]);
    expect(r.skipped.map((k) => k.path).sort()).toEqual([
      'CON',
      'README.md',
      'bad:name',
      'trail.',
      'x/../y',
    ]);
    expect(r.skipped.find((k) => k.path === 'README.md')!.reason).toMatch(/case/);
    expect([...(await entries(s, r.root)).keys()]).toEqual(['Readme.md']);
  });

  it('skips a file that changes while it is read, keeping its old entry', async () => {
    const s = await share();
    const drive = await folder();
    await put(drive, 'f', bytesFor('f', 10));
    const first = await scan(s, drive);
    await put(drive, 'f', bytesFor('f2', 20), T0 + 1);
    const orig = drive.readStream.bind(drive);
    drive.readStream = async function* (path: string, chunk?: number) {
      yield* orig(path, chunk);
      await put(drive, 'f', bytesFor('f3', 30), T0 + 2);
    };
    const r = await scan(s, drive, first.root, first.floor);
    expect(r.changed).toEqual([]);
    expect(r.skipped.map((k) => k.path)).toEqual(['f']);
    expect(bytesEqual(r.root, first.root)).toBe(true);
  });

  it('fails the scan when the object store is full, rather than skipping the file unsaid', async () => {
    const s = await share();
    const drive = await folder();
    await put(drive, 'a.txt', bytesFor('a', 100));
    await put(drive, 'big.bin', BIG);
    const first = await scan(s, drive);
    await put(drive, 'big.bin', bytesFor('big2', 300 * 1024), T0 + 1);
    const full = new PeerfoldError('no-space', 'object store: storage quota exceeded', false);
    const put0 = s.store.put.bind(s.store);
    let puts = 0;
    s.store.put = (address, bytes) => (++puts > 1 ? Promise.reject(full) : put0(address, bytes));
    const failed = await scan(s, drive, first.root, first.floor).catch((e: unknown) => e);
    expect(isPeerfoldError(failed, 'no-space')).toBe(true);
    // Room again: the next scan seals the file.
    s.store.put = put0;
    const r = await scan(s, drive, first.root, first.floor);
    expect(r.changed).toEqual(['big.bin']);
    expect(r.skipped).toEqual([]);
  });
});
