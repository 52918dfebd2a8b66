/**
 * The apply's side of early writes: a staged file handed to it is committed, or, where that
 * cannot be done, the file is written as usual; a staged file it does not commit is removed.
 */
import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../src/core/bytes';
import type { StagedFile } from '../../src/core/drive';
import type { Entry } from '../../src/core/entry';
import { applyTree } from '../../src/engine/apply';
import { plaintext } from '../../src/engine/file-blocks';
import { bytesFor } from '../helpers/data';
import { entries, folder, put, scanInto, share, T0, type CountingDrive } from './fixture';

const BIG = bytesFor('staged', 300 * 1024);

/** A sender's folder with `big.bin` (and a small file), scanned; an empty receiver. */
async function setup() {
  const s = await share();
  const a = await folder();
  await put(a, 'small.txt', bytesFor('small', 100), T0 + 1);
  await put(a, 'd/big.bin', BIG, T0 + 2);
  const index = (await scanInto(s, a)).root;
  const big = (await entries(s, index)).get('d/big.bin')!;
  const b = await folder();
  const stage = (e: Entry): Promise<StagedFile> =>
    b.stage(
      e.path,
      plaintext(s.blocks, (x) => s.store.get(x), e),
      {
        mtime: e.mtime,
        executable: e.executable,
      },
    );
  return { s, index, big, b, stage };
}

function apply(
  setupOf: Awaited<ReturnType<typeof setup>>,
  early: (e: Entry) => Promise<StagedFile | undefined> | undefined,
) {
  const { s, index, b } = setupOf;
  return applyTree({
    drive: b,
    ctx: s.ctx,
    blocks: s.blocks,
    store: s.store,
    from: s.empty,
    to: index,
    early,
  });
}

const holds = async (b: CountingDrive, path: string, data: Uint8Array): Promise<boolean> =>
  bytesEqual(await b.read(path, 0, data.length + 1), data);

describe('applyTree with staged files', () => {
  it('commits the staged file for its entry instead of writing it', async () => {
    const t = await setup();
    const staged = await t.stage(t.big);
    const r = await apply(t, (e) => (e.path === 'd/big.bin' ? Promise.resolve(staged) : undefined));
    expect(r.conflicts).toEqual([]);
    expect(t.b.writes).toBe(1); // small.txt only
    expect(await holds(t.b, 'd/big.bin', BIG)).toBe(true);
    expect(await t.b.cleanupTemp()).toBe(0);
  });

  it('writes the file itself when its staged file is gone', async () => {
    const t = await setup();
    const staged = await t.stage(t.big);
    await staged.discard();
    const r = await apply(t, (e) => (e.path === 'd/big.bin' ? Promise.resolve(staged) : undefined));
    expect(r.conflicts).toEqual([]);
    expect(t.b.writes).toBe(2);
    expect(await holds(t.b, 'd/big.bin', BIG)).toBe(true);
  });

  it('removes a staged file it did not commit: the folder paused first', async () => {
    const t = await setup();
    const staged = await t.stage(t.big);
    t.b.removeMarker();
    const r = await apply(t, (e) => (e.path === 'd/big.bin' ? Promise.resolve(staged) : undefined));
    expect(r.conflicts.map((c) => c.path).sort()).toEqual(['d', 'd/big.bin', 'small.txt']);
    await t.b.createMarker();
    expect(await t.b.stat('d/big.bin')).toBeUndefined();
    expect(await t.b.cleanupTemp()).toBe(0);
  });

  it('leaves a local file made meanwhile, and removes the staged file', async () => {
    const t = await setup();
    const staged = await t.stage(t.big);
    await put(t.b, 'd/big.bin', bytesFor('local', 10), T0 + 9);
    const r = await apply(t, (e) => (e.path === 'd/big.bin' ? Promise.resolve(staged) : undefined));
    expect(r.conflicts.map((c) => c.path)).toEqual(['d/big.bin']);
    expect(await holds(t.b, 'd/big.bin', bytesFor('local', 10))).toBe(true);
    expect(await t.b.cleanupTemp()).toBe(0);
  });
});
