/**
 * The Drive contract's safety half (DESIGN.md section 6): a local edit is never clobbered,
 * nothing is written outside the root, a vanished folder pauses instead of reading as empty,
 * and disk faults are typed and lose nothing. Run from `driveContract`.
 */
import { expect, it } from 'vitest';
import { bytesEqual, utf8 } from '../../src/core/bytes';
import type { Expect } from '../../src/core/drive';
import { FaultyDrive } from '../../src/storage/faulty-drive';
import type { Ctx } from './drive-contract';
import { bytesFor, chunksOf, codeOf, listAll, MTIME, put, readAll, text } from './drive-contract';

const BAD_PATHS = [
  '../x',
  'a/../../x',
  '/etc/passwd',
  'a\0b',
  '.peerfold/share',
  'A/.PEERFOLD/x',
  '.peerfold-tmp-123',
  'C:x',
  'a//b',
  '',
  'con',
  '..',
];

export function driveSafetyContract(ctx: Ctx): void {
  it('refuses to overwrite a file changed since it was seen', async () => {
    const { d } = ctx;
    const seen = await put(d, 'doc.txt', 'v1');
    await put(d, 'doc.txt', 'local edit', MTIME + 5); // the user edits before we apply
    const stale = { size: seen.size, mtime: seen.mtime };
    const write = (expect: Expect): Promise<unknown> =>
      d.write('doc.txt', [utf8('remote')], { mtime: 1, executable: false, expect });
    expect(await codeOf(write(stale))).toBe('changed');
    expect(await codeOf(write('absent'))).toBe('changed');
    expect(await codeOf(write('dir'))).toBe('changed');
    expect(await codeOf(d.remove('doc.txt', stale))).toBe('changed');
    expect(await codeOf(d.remove('doc.txt', 'absent'))).toBe('changed');
    expect(await codeOf(d.rename('doc.txt', 'moved.txt', stale))).toBe('changed');
    expect(await codeOf(d.setMtime('doc.txt', 5, stale))).toBe('changed');
    expect(await text(d, 'doc.txt')).toBe('local edit');
    expect((await listAll(d)).map((e) => e.path)).toEqual(['doc.txt']);
    await d.remove('doc.txt');
    expect(await codeOf(write({ size: 10, mtime: MTIME + 5 }))).toBe('changed'); // deleted since
    expect(await d.stat('doc.txt')).toBeUndefined();
  });

  it('re-checks right before the rename, after the data is written', async () => {
    const { d } = ctx;
    const seen = await put(d, 'late.txt', 'v1');
    const expect_ = { size: seen.size, mtime: seen.mtime };
    const beforeCommit = (): Promise<void> => put(d, 'late.txt', 'edited meanwhile!').then();
    const write = d.write('late.txt', [utf8('remote')], {
      mtime: MTIME,
      executable: false,
      expect: expect_,
      beforeCommit,
    });
    expect(await codeOf(write)).toBe('changed');
    expect(await text(d, 'late.txt')).toBe('edited meanwhile!');
    expect(await d.cleanupTemp()).toBe(0); // a refused write cleans up after itself
    const fresh = d.write('new.txt', [utf8('n')], {
      mtime: MTIME,
      executable: false,
      expect: 'absent',
    });
    expect(await codeOf(fresh)).toBe('ok');
  });

  it('never clobbers something else in the way', async () => {
    const { d } = ctx;
    await put(d, 'dir/inner.txt', 'i');
    await put(d, 'file.txt', 'f');
    expect(await codeOf(put(d, 'dir', 'x'))).toBe('changed');
    expect(await codeOf(put(d, 'file.txt/x', 'x'))).toBe('changed');
    expect(await codeOf(d.mkdir('file.txt'))).toBe('changed');
    expect(await codeOf(d.remove('dir'))).toBe('changed');
    expect(await codeOf(d.remove('dir', 'dir'))).toBe('changed');
    expect(await codeOf(d.rename('file.txt', 'dir/inner.txt'))).toBe('changed');
    expect(await codeOf(d.rename('file.txt', 'dir'))).toBe('changed');
    expect(await text(d, 'dir/inner.txt')).toBe('i');
    expect(await text(d, 'file.txt')).toBe('f');
  });

  it('rejects bad paths in every method and writes nothing anywhere', async () => {
    const { d, h } = ctx;
    await put(d, 'ok.txt', 'ok');
    const outside = await h.outside();
    for (const p of BAD_PATHS) {
      const calls = [
        () => put(d, p, 'evil'),
        () => d.mkdir(p),
        () => d.remove(p),
        () => d.rename('ok.txt', p),
        () => d.rename(p, 'ok2.txt'),
        () => d.stat(p),
        () => d.read(p, 0, 10),
        () => d.readStream(p),
        () => d.setMtime(p, 1),
        () => d.list(p),
      ];
      for (const call of calls) expect(await codeOf(call()), p).toBe('bad-path');
    }
    expect(await h.outside()).toEqual(outside);
    expect((await listAll(d)).map((e) => e.path)).toEqual(['ok.txt']);
    expect(await text(d, 'ok.txt')).toBe('ok');
  });

  it('pauses when the root vanishes: never "everything was deleted"', async () => {
    const { d, h } = ctx;
    await put(d, 'a/b.txt', 'b');
    await h.removeRoot();
    expect(await d.status()).toBe('missing-root');
    expect(await codeOf(d.list())).toBe('paused');
    expect(await codeOf(d.stat('a/b.txt'))).toBe('paused');
    expect(await codeOf(d.readStream('a/b.txt'))).toBe('paused');
    expect(await codeOf(d.read('a/b.txt', 0, 1))).toBe('paused');
    expect(await codeOf(put(d, 'a/b.txt', 'x'))).toBe('paused');
    expect(await codeOf(d.mkdir('a'))).toBe('paused');
    expect(await codeOf(d.remove('a/b.txt'))).toBe('paused');
    expect(await codeOf(d.rename('a', 'c'))).toBe('paused');
    expect(await codeOf(d.createMarker())).toBe('paused');
    expect(await d.status()).toBe('missing-root'); // nothing recreated the folder
  });

  it('a walk the root vanishes under ends in paused, not in a short list', async () => {
    const { d, h } = ctx;
    for (let i = 0; i < 20; i++) await put(d, `dir${i % 4}/f${i}.txt`, 'x');
    const walk = d.list()[Symbol.asyncIterator]();
    expect((await walk.next()).done).toBe(false);
    await h.removeRoot();
    const rest = (async () => {
      while (!(await walk.next()).done);
    })();
    expect(await codeOf(rest)).toBe('paused');
  });

  it('pauses when the marker vanishes', async () => {
    const { d, h } = ctx;
    await put(d, 'a.txt', 'a');
    await h.removeMarker();
    expect(await d.status()).toBe('missing-marker');
    expect(await codeOf(d.list())).toBe('paused');
    expect(await codeOf(d.stat('gone.txt'))).toBe('paused');
    expect(await codeOf(put(d, 'b.txt', 'b'))).toBe('paused');
    expect(await codeOf(d.remove('a.txt'))).toBe('paused');
    await d.createMarker();
    expect(await d.status()).toBe('ok');
    expect((await listAll(d)).map((e) => e.path)).toEqual(['a.txt']);
  });

  it('a full disk or an I/O error is typed and loses nothing', async () => {
    const { d } = ctx;
    const old = bytesFor('keep', 200_000);
    await put(d, 'data.bin', old);
    const f = new FaultyDrive(d, { write: 'no-space', writeAfterBytes: 70_000 });
    const big = chunksOf(bytesFor('big', 150_000), 32_768);
    expect(await codeOf(f.write('data.bin', big, { mtime: 1, executable: false }))).toBe(
      'no-space',
    );
    expect(await codeOf(put(f, 'fresh.bin', 'x'))).toBe('no-space');
    f.faults = { write: 'io' };
    expect(await codeOf(put(f, 'data.bin', 'x'))).toBe('io');
    f.faults = { read: 'io', readAfterBytes: 100_000 };
    expect(await codeOf(f.readStream('data.bin', 65_536))).toBe('io');
    expect(await codeOf(f.read('data.bin', 90_000, 20_000))).toBe('io');
    expect(await codeOf(f.read('data.bin', 0, 1000))).toBe('ok');
    f.faults = {};
    expect(bytesEqual(await readAll(f, 'data.bin'), old)).toBe(true);
    expect((await listAll(d)).map((e) => e.path)).toEqual(['data.bin']);
    expect(await d.cleanupTemp()).toBe(0);
  });

  it('a data source that fails mid-write leaves the old file', async () => {
    const { d } = ctx;
    await put(d, 'src.txt', 'old');
    function* failing(): Generator<Uint8Array> {
      yield utf8('new new new');
      throw new Error('peer went away');
    }
    await expect(d.write('src.txt', failing(), { mtime: 1, executable: false })).rejects.toThrow();
    expect(await text(d, 'src.txt')).toBe('old');
    expect(await d.cleanupTemp()).toBe(0);
  });

  it('a crash between write and rename leaves the old file, and a new one absent', async () => {
    const { d } = ctx;
    await put(d, 'c.txt', 'old');
    const f = new FaultyDrive(d, { crashBeforeRename: true });
    expect(await codeOf(put(f, 'c.txt', 'new content'))).toBe('io');
    f.faults.crashBeforeRename = true;
    expect(await codeOf(put(f, 'n/new.txt', 'new content'))).toBe('io');
    expect(await text(d, 'c.txt')).toBe('old');
    expect(await d.stat('n/new.txt')).toBeUndefined();
    expect(await d.cleanupTemp()).toBe(2);
    expect((await listAll(d)).map((e) => e.path)).toEqual(['c.txt', 'n']);
  });
}
