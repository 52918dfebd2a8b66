import { describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes, toHex } from '../../src/core/bytes';
import type { Address } from '../../src/core/objects';
import { lookup } from '../../src/core/tree';
import { applyTree } from '../../src/engine/apply';
import { scanFolder } from '../../src/engine/scanner';
import { bytesFor } from '../helpers/data';
import {
  DEVICE,
  DEVICE_B,
  entries,
  folder,
  HidingStore,
  put,
  share,
  snapshot,
  T0,
  type CountingDrive,
  type Share,
} from './fixture';
import type { ObjectStore } from '../../src/core/ports';

const BIG = bytesFor('big', 300 * 1024);

interface Side {
  drive: CountingDrive;
  index: Address;
  floor: number;
}

async function scanSide(s: Share, side: Side, device = DEVICE): Promise<string[]> {
  const r = await scanFolder({
    drive: side.drive,
    ctx: s.ctx,
    blocks: s.blocks,
    store: s.store,
    root: side.index,
    device,
    floor: side.floor,
    now: () => T0 + 50,
  });
  side.index = r.root;
  side.floor = r.floor;
  return r.changed;
}

async function applySide(s: Share, side: Side, to: Address, store: ObjectStore = s.store) {
  const r = await applyTree({
    drive: side.drive,
    ctx: s.ctx,
    blocks: s.blocks,
    store,
    from: side.index,
    to,
  });
  side.index = r.root;
  return r;
}

async function setup(): Promise<{ s: Share; a: Side; b: Side }> {
  const s = await share();
  const a: Side = { drive: await folder(), index: s.empty, floor: 0 };
  const b: Side = { drive: await folder(), index: s.empty, floor: 0 };
  await put(a.drive, 'a.txt', bytesFor('a', 100), T0 + 1);
  await put(a.drive, 'empty', new Uint8Array(), T0 + 2);
  await put(a.drive, 'dir/sub/big.bin', BIG, T0 + 3);
  await put(a.drive, 'dir/sub/run.sh', bytesFor('run', 10), T0 + 4, true);
  await put(a.drive, 'old/gone.txt', bytesFor('gone', 10), T0 + 5);
  await a.drive.mkdir('emptydir');
  await scanSide(s, a);
  return { s, a, b };
}

describe('applyTree', () => {
  it('fills an empty folder byte for byte, then follows edits, deletes and renames', async () => {
    const { s, a, b } = await setup();
    const first = await applySide(s, b, a.index);
    expect(first.conflicts).toEqual([]);
    expect(first.applied).toEqual([...(await entries(s, a.index)).keys()]);
    expect(bytesEqual(b.index, a.index)).toBe(true);
    expect(await snapshot(b.drive)).toEqual(await snapshot(a.drive));
    expect(await b.drive.cleanupTemp()).toBe(0);
    // B's own scan sees nothing to publish: the folder matches its index
    expect(await scanSide(s, b, DEVICE_B)).toEqual([]);

    await put(a.drive, 'a.txt', bytesFor('a-edited', 120), T0 + 10);
    await put(a.drive, 'dir/sub/big.bin', concatBytes(BIG, bytesFor('tail', 999)), T0 + 11);
    await a.drive.remove('empty');
    await a.drive.remove('old/gone.txt');
    await a.drive.remove('old');
    await a.drive.rename('dir/sub/run.sh', 'moved/run.sh');
    await put(a.drive, 'new/file', bytesFor('new', 7), T0 + 12);
    await scanSide(s, a);
    b.drive.writes = b.drive.renames = 0;
    const second = await applySide(s, b, a.index);
    expect(second.conflicts).toEqual([]);
    expect(bytesEqual(b.index, a.index)).toBe(true);
    expect(await snapshot(b.drive)).toEqual(await snapshot(a.drive));
    expect(await b.drive.stat('old')).toBeUndefined();
    // the move cost no data: one rename, and writes only for the edited and new files
    expect(b.drive.renames).toBe(1);
    expect(b.drive.writes).toBe(3);
    expect(await scanSide(s, b, DEVICE_B)).toEqual([]);
  });

  it('never overwrites or deletes a file edited locally since the last scan', async () => {
    const { s, a, b } = await setup();
    await applySide(s, b, a.index);
    const localA = bytesFor('local edit', 33);
    const localGone = bytesFor('local keep', 12);
    await put(b.drive, 'a.txt', localA, T0 + 20);
    await put(b.drive, 'old/gone.txt', localGone, T0 + 21);
    const bBefore = b.index;
    await put(a.drive, 'a.txt', bytesFor('remote edit', 44), T0 + 30);
    await a.drive.remove('old/gone.txt');
    await put(a.drive, 'dir/x', bytesFor('x', 5), T0 + 31);
    await scanSide(s, a);
    const r = await applySide(s, b, a.index);
    expect(r.conflicts.map((c) => c.path)).toEqual(['a.txt', 'old/gone.txt']);
    expect(r.conflicts.every((c) => c.reason.startsWith('changed'))).toBe(true);
    expect(r.applied).toEqual(['dir/x']);
    expect(bytesEqual(await b.drive.read('a.txt', 0, 100), localA)).toBe(true);
    expect(bytesEqual(await b.drive.read('old/gone.txt', 0, 100), localGone)).toBe(true);
    expect(bytesEqual(await b.drive.read('dir/x', 0, 100), bytesFor('x', 5))).toBe(true);
    // the failed paths keep their old index entries, the applied one takes the new
    for (const p of ['a.txt', 'old/gone.txt']) {
      expect(await lookup(s.ctx, b.index, p)).toEqual(await lookup(s.ctx, bBefore, p));
    }
    expect(await lookup(s.ctx, b.index, 'dir/x')).toEqual(await lookup(s.ctx, a.index, 'dir/x'));
    // so B's next scan publishes its local edits
    expect(await scanSide(s, b, DEVICE_B)).toEqual(['a.txt', 'old/gone.txt']);
  });

  it('skips a file whose blocks are missing, writing nothing of it', async () => {
    const { s, a, b } = await setup();
    await applySide(s, b, a.index);
    const edited = concatBytes(bytesFor('head', 100 * 1024), BIG);
    await put(a.drive, 'dir/sub/big.bin', edited, T0 + 40);
    await put(a.drive, 'fresh.bin', bytesFor('fresh', 200 * 1024), T0 + 41);
    await put(a.drive, 'ok.txt', bytesFor('ok', 9), T0 + 42);
    await scanSide(s, a);
    const target = await entries(s, a.index);
    const store = new HidingStore(s.store);
    const big = target.get('dir/sub/big.bin')!.blocks;
    const fresh = target.get('fresh.bin')!.blocks;
    expect(big.length).toBeGreaterThan(1);
    expect(fresh.length).toBeGreaterThan(1);
    store.hidden.add(toHex(big[big.length - 1]!.address));
    store.hidden.add(toHex(fresh[fresh.length - 1]!.address));
    const bBefore = b.index;
    const r = await applySide(s, b, a.index, store);
    expect(r.conflicts.map((c) => c.path)).toEqual(['dir/sub/big.bin', 'fresh.bin']);
    expect(r.conflicts.every((c) => c.reason.startsWith('missing'))).toBe(true);
    expect(r.applied).toEqual(['ok.txt']);
    expect(bytesEqual(await b.drive.read('dir/sub/big.bin', 0, BIG.length + 1), BIG)).toBe(true);
    expect(await b.drive.stat('fresh.bin')).toBeUndefined();
    expect(await b.drive.cleanupTemp()).toBe(0);
    expect(await lookup(s.ctx, b.index, 'dir/sub/big.bin')).toEqual(
      await lookup(s.ctx, bBefore, 'dir/sub/big.bin'),
    );
    // once the blocks are there, the same apply completes
    const again = await applySide(s, b, a.index);
    expect(again.conflicts).toEqual([]);
    expect(again.applied).toEqual(['dir/sub/big.bin', 'fresh.bin']);
    expect(await snapshot(b.drive)).toEqual(await snapshot(a.drive));
  });

  it('a block that vanishes mid-write leaves the old file whole', async () => {
    const { s, a, b } = await setup();
    await applySide(s, b, a.index);
    await put(a.drive, 'dir/sub/big.bin', bytesFor('other', 300 * 1024), T0 + 60);
    await scanSide(s, a);
    const blocks = (await lookup(s.ctx, a.index, 'dir/sub/big.bin'))!.blocks;
    const store = new HidingStore(s.store);
    const last = toHex(blocks[blocks.length - 1]!.address);
    store.has = () => Promise.resolve(true); // passes the check, then fails while streaming
    store.hidden.add(last);
    const r = await applySide(s, b, a.index, store);
    expect(r.conflicts.map((c) => c.path)).toEqual(['dir/sub/big.bin']);
    expect(bytesEqual(await b.drive.read('dir/sub/big.bin', 0, BIG.length + 1), BIG)).toBe(true);
    expect(await b.drive.cleanupTemp()).toBe(0);
  });

  it('a paused folder changes nothing and keeps the old index', async () => {
    const { s, a, b } = await setup();
    await applySide(s, b, a.index);
    await a.drive.remove('a.txt');
    await put(a.drive, 'n.txt', bytesFor('n', 3), T0 + 70);
    await scanSide(s, a);
    const from = b.index;
    b.drive.removeMarker();
    const r = await applySide(s, b, a.index);
    expect(r.applied).toEqual([]);
    expect(r.conflicts.map((c) => c.path)).toEqual(['a.txt', 'n.txt']);
    expect(r.conflicts.every((c) => c.reason.startsWith('paused'))).toBe(true);
    expect(bytesEqual(r.root, from)).toBe(true);
    await b.drive.createMarker();
    expect(bytesEqual(await b.drive.read('a.txt', 0, 200), bytesFor('a', 100))).toBe(true);
    expect(await b.drive.stat('n.txt')).toBeUndefined();
  });

  it('replaces a file by a directory and a directory by a file', async () => {
    const { s, a, b } = await setup();
    await applySide(s, b, a.index);
    await a.drive.remove('a.txt');
    await put(a.drive, 'a.txt/inner', bytesFor('inner', 4), T0 + 80);
    await a.drive.remove('emptydir');
    await put(a.drive, 'emptydir', bytesFor('now a file', 6), T0 + 81);
    await scanSide(s, a);
    const r = await applySide(s, b, a.index);
    expect(r.conflicts).toEqual([]);
    expect(await snapshot(b.drive)).toEqual(await snapshot(a.drive));
    expect(bytesEqual(b.index, a.index)).toBe(true);
  });

  it('keeps local newcomers: an untracked file in the way, a directory that is not empty', async () => {
    const { s, a, b } = await setup();
    await applySide(s, b, a.index);
    await put(b.drive, 'old/untracked.txt', bytesFor('mine', 4), T0 + 90);
    await put(b.drive, 'clash.txt', bytesFor('b side', 6), T0 + 91);
    await a.drive.remove('old/gone.txt');
    await a.drive.remove('old');
    await put(a.drive, 'clash.txt', bytesFor('a side', 6), T0 + 92);
    await scanSide(s, a);
    const r = await applySide(s, b, a.index);
    expect(r.applied).toEqual(['old/gone.txt']);
    expect(r.conflicts.map((c) => c.path)).toEqual(['clash.txt', 'old']);
    expect(r.conflicts.every((c) => c.reason.startsWith('changed'))).toBe(true);
    expect(bytesEqual(await b.drive.read('clash.txt', 0, 9), bytesFor('b side', 6))).toBe(true);
    expect(await b.drive.stat('old/gone.txt')).toBeUndefined();
    expect((await b.drive.stat('old'))?.kind).toBe('dir');
    expect(await lookup(s.ctx, b.index, 'clash.txt')).toBeUndefined();
    expect((await lookup(s.ctx, b.index, 'old'))?.deleted).toBe(false);
  });

  it('a move whose source was edited locally keeps the edit and still writes the target', async () => {
    const { s, a, b } = await setup();
    await applySide(s, b, a.index);
    await put(b.drive, 'a.txt', bytesFor('edited in b', 5), T0 + 100);
    await a.drive.rename('a.txt', 'b.txt');
    await scanSide(s, a);
    const r = await applySide(s, b, a.index);
    expect(r.applied).toEqual(['b.txt']);
    expect(r.conflicts.map((c) => c.path)).toEqual(['a.txt']);
    expect(bytesEqual(await b.drive.read('a.txt', 0, 9), bytesFor('edited in b', 5))).toBe(true);
    expect(bytesEqual(await b.drive.read('b.txt', 0, 200), bytesFor('a', 100))).toBe(true);
  });

  it('refuses the second of two case-only names on a case-insensitive folder', async () => {
    const s = await share();
    const a: Side = { drive: await folder(), index: s.empty, floor: 0 };
    const b: Side = { drive: await folder({ caseInsensitive: true }), index: s.empty, floor: 0 };
    await put(a.drive, 'Note.txt', bytesFor('upper', 5), T0);
    await put(a.drive, 'note.txt', bytesFor('lower', 5), T0);
    await scanSide(s, a);
    const r = await applySide(s, b, a.index);
    expect(r.applied).toEqual(['Note.txt']);
    expect(r.conflicts.map((c) => c.path)).toEqual(['note.txt']);
    expect(bytesEqual(await b.drive.read('Note.txt', 0, 9), bytesFor('upper', 5))).toBe(true);
    expect(await scanSide(s, b, DEVICE_B)).toEqual([]);
  });
});
