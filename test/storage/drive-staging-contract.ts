/**
 * The staging part of the Drive contract (`stage` and `commit`, core/drive.ts), run by every
 * adapter that offers it: a staged file is invisible until its commit, which re-checks like a
 * write; nothing is left behind by a commit, a refusal, a discard or a failed stage.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesEqual, utf8 } from '../../src/core/bytes';
import type { Drive, StagedFile } from '../../src/core/drive';
import { PeerfoldError } from '../../src/core/errors';
import { bytesFor, chunksOf, codeOf, listAll, MTIME, put, readAll, text } from './drive-contract';
import type { DriveHarness, MakeDrive } from './drive-contract';

type Staging = Drive & Required<Pick<Drive, 'stage' | 'commit'>>;

function staging(d: Drive): Staging {
  if (!d.stage || !d.commit) throw new Error('this drive does not stage');
  return d as Staging;
}

const paths = async (d: Drive): Promise<string[]> => (await listAll(d)).map((e) => e.path);

const stageText = (d: Staging, path: string, content: string): Promise<StagedFile> =>
  d.stage(path, [utf8(content)], { mtime: MTIME, executable: false });

export function stagingContract(name: string, make: MakeDrive): void {
  describe(`Drive staging contract: ${name}`, () => {
    let h: DriveHarness;
    let d: Staging;
    beforeEach(async () => {
      h = await make();
      d = staging(h.drive);
    });
    afterEach(() => h.cleanup());

    it('shows a staged file only once committed, as written, creating its parents then', async () => {
      const data = bytesFor('staged', 300_000);
      const file = await d.stage('a/b/f.bin', chunksOf(data, 65536), {
        mtime: MTIME,
        executable: true,
      });
      expect(await paths(d)).toEqual([]); // no directory made ahead, no temporary file listed
      expect(await d.stat('a/b/f.bin')).toBeUndefined();
      const entry = await d.commit(file, 'absent');
      expect(entry).toMatchObject({ path: 'a/b/f.bin', size: data.length, mtime: MTIME });
      expect(entry.executable).toBe(true);
      expect(bytesEqual(await readAll(d, 'a/b/f.bin'), data)).toBe(true);
      expect(await paths(d)).toEqual(['a', 'a/b', 'a/b/f.bin']);
      expect(await d.cleanupTemp()).toBe(0);
    });

    it('replaces a file it was staged beside when the file is as expected', async () => {
      const before = await put(d, 'dir/f.txt', 'old');
      const file = await stageText(d, 'dir/f.txt', 'new');
      expect(await text(d, 'dir/f.txt')).toBe('old');
      await d.commit(file, before);
      expect(await text(d, 'dir/f.txt')).toBe('new');
      expect(await d.cleanupTemp()).toBe(0);
    });

    it("keeps a staged file out of the user's directories: they can be removed or renamed meanwhile", async () => {
      await d.mkdir('gone');
      const first = await stageText(d, 'gone/f.txt', 'one');
      await d.remove('gone', 'dir'); // empty as the user sees it, and so to the drive
      expect(await paths(d)).toEqual([]);
      await d.commit(first, 'absent');
      expect(await text(d, 'gone/f.txt')).toBe('one');
      await d.mkdir('old');
      const second = await stageText(d, 'old/g.txt', 'two');
      await d.rename('old', 'new', 'dir');
      expect(await paths(d)).toEqual(['gone', 'gone/f.txt', 'new']); // nothing carried along
      await d.commit(second, 'absent');
      expect(await text(d, 'old/g.txt')).toBe('two');
      expect(await d.cleanupTemp()).toBe(0);
    });

    it('refuses a commit over a file edited since it was seen, leaving the edit and no temporary file', async () => {
      const seen = await put(d, 'f.txt', 'old');
      const file = await stageText(d, 'f.txt', 'remote');
      await put(d, 'f.txt', 'local edit', MTIME + 5);
      expect(await codeOf(d.commit(file, seen))).toBe('changed');
      expect(await text(d, 'f.txt')).toBe('local edit');
      expect(await d.cleanupTemp()).toBe(0);
      await put(d, 'new.txt', 'x');
      const late = await stageText(d, 'new.txt', 'remote');
      expect(await codeOf(d.commit(late, 'absent'))).toBe('changed');
      expect(await text(d, 'new.txt')).toBe('x');
    });

    it('removes the staged file on discard; a later commit finds it missing', async () => {
      const file = await stageText(d, 'f.txt', 'x');
      await file.discard();
      expect(await d.cleanupTemp()).toBe(0);
      expect(await codeOf(d.commit(file, 'absent'))).toBe('missing');
      expect(await paths(d)).toEqual([]);
    });

    it('leaves nothing when the data fails mid-way, and a staged file never committed is temporary', async () => {
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield utf8('part');
        await Promise.resolve();
        throw new PeerfoldError('missing', 'a block is gone');
      }
      const opts = { mtime: MTIME, executable: false };
      expect(await codeOf(d.stage('f.txt', failing(), opts))).toBe('missing');
      expect(await d.cleanupTemp()).toBe(0);
      await stageText(d, 'g.txt', 'x'); // as if the process died before the commit
      expect(await d.cleanupTemp()).toBe(1);
      expect(await paths(d)).toEqual([]);
    });

    it('pauses rather than stage or commit into a folder that is gone', async () => {
      const file = await stageText(d, 'f.txt', 'x');
      await h.removeMarker();
      expect(await codeOf(d.commit(file, 'absent'))).toBe('paused');
      expect(await codeOf(stageText(d, 'g.txt', 'y'))).toBe('paused');
    });
  });
}
