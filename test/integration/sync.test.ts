/**
 * Issue 3, first scenario: two Write peers (`peerfold share` processes on loopback, --peer)
 * sync a real folder (nested directories, empty files and directories, a 200 MiB file, 2 000
 * small files), then every kind of change on A (edit, append, delete, rename, move) arrives at
 * B and nothing else changes; a rename of the large file moves no block; a change made on B
 * reaches A.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { appendFile, chmod, mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesFor } from '../helpers/data';
import { writeFiles, type FolderSnapshot } from '../helpers/folders';
import { bytesReceived, Fixture, snapshotLive as snapshotFolder } from './peers';
import { waitForPeers, waitForSameTree, waitUpToDate } from './peers';

const MiB = 1024 * 1024;
const BIG = 200 * MiB;
const SMALL_FILES = 2_000;

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

/** Streams `size` random bytes to `file` (the deterministic helper is too slow for 200 MiB). */
async function writeRandomFile(file: string, size: number): Promise<void> {
  const out = createWriteStream(file);
  for (let left = size; left > 0; left -= 8 * MiB) {
    if (!out.write(randomBytes(Math.min(left, 8 * MiB)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The folder of round 0: 2 000 small files in 20 folders, nesting, empty files and dirs. */
async function fillFolder(dir: string): Promise<void> {
  const files: Record<string, number | string> = {
    'docs/readme.txt': 'read me\n',
    'docs/guide/intro.md': 'intro\n',
    'docs/guide/deep/er/still/deeper.bin': 70_000,
    'docs/log.txt': 'line 1\n',
    'media/clip.bin': 3 * MiB,
    'empty.txt': '',
    'docs/guide/empty': '',
  };
  for (let i = 0; i < SMALL_FILES; i++) {
    const folder = String(Math.floor(i / 100)).padStart(3, '0');
    files[`small/${folder}/file-${String(i).padStart(4, '0')}.txt`] = 1 + ((i * 37) % 3000);
  }
  await writeFiles(dir, files, 'round0');
  await mkdir(join(dir, 'empty-dir'));
  await mkdir(join(dir, 'nested/empty/dir'), { recursive: true });
  await writeRandomFile(join(dir, 'big.bin'), BIG);
}

/** path -> `<mtime, ms rounded as the drive records it>:<x or ->` of every file below `root`. */
async function fileMeta(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of Object.keys(await snapshotFolder(root))) {
    const st = await stat(join(root, path));
    if (st.isFile()) out[path] = `${Math.round(st.mtimeMs)}:${st.mode & 0o100 ? 'x' : '-'}`;
  }
  return out;
}

/** Keys whose values differ between two snapshots, sorted. */
function changedKeys(before: FolderSnapshot, after: FolderSnapshot): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]).sort();
}

describe('peerfold share: two Write peers on loopback', () => {
  it('syncs a large tree, then every edit, append, delete, rename and move, both ways', async () => {
    const t0 = Date.now();
    fixture = await Fixture.create();
    const share = await fixture.gen('a');
    await fillFolder(share.dir);
    const dirB = await fixture.folder('b');
    const written = Date.now();

    // Round 0: the initial sync.
    const a = await fixture.start({ id: share.write.capability, dir: share.dir, data: 'data-a' });
    const b = await fixture.start({
      id: share.write.capability,
      dir: dirB,
      data: 'data-b',
      dial: [a.port],
    });
    await waitForPeers(b, 1);
    const initial = await waitForSameTree(share.dir, dirB, 600_000, 1_000);
    expect(initial['big.bin']).toMatch(/^209715200:/);
    expect(initial['empty.txt']).toMatch(/^0:/);
    expect(initial['docs/guide/empty']).toMatch(/^0:/);
    expect(initial['empty-dir']).toBe('dir');
    expect(initial['nested/empty/dir']).toBe('dir');
    expect(
      Object.keys(initial).filter((p) => p.startsWith('small/') && p.endsWith('.txt')),
    ).toHaveLength(SMALL_FILES);
    await waitUpToDate(b);
    expect(bytesReceived(b)).toBeGreaterThan(BIG); // the counter used below counts real data
    const synced = Date.now();

    // Round 1: every kind of change on A.
    await waitUpToDate(a);
    const before = await snapshotFolder(share.dir);
    const A = (p: string): string => join(share.dir, p);
    await chmod(A('docs/readme.txt'), 0o755); // only the executable bit changes
    await writeFile(A('small/000/file-0001.txt'), bytesFor('edited', 38)); // same size
    const middle = bytesFor('middle', 4_096);
    const clip = await open(A('media/clip.bin'), 'r+');
    await clip.write(middle, 0, middle.length, MiB + 12_345); // an edit inside a larger file
    await clip.close();
    await appendFile(A('docs/log.txt'), 'line 2\n');
    await rm(A('small/001/file-0110.txt'));
    await rm(A('small/019'), { recursive: true }); // a folder with 100 files
    await rm(A('empty.txt'));
    await rm(A('empty-dir'), { recursive: true });
    await rename(A('small/002/file-0220.txt'), A('small/002/renamed.txt'));
    await mkdir(A('moved'));
    await rename(A('docs/guide/intro.md'), A('moved/intro.md'));
    await rename(A('docs/guide/deep'), A('moved/deep')); // a folder moved with its content
    await writeFiles(share.dir, { 'new/file.txt': 'new\n', 'new/empty': '' }, 'round1');

    const expected = await snapshotFolder(share.dir);
    const changed = changedKeys(before, expected);
    expect(changed).toContain('small/019/file-1999.txt');
    expect(changed.filter((p) => !p.startsWith('small/019'))).toEqual([
      'docs/guide/deep',
      'docs/guide/deep/er',
      'docs/guide/deep/er/still',
      'docs/guide/deep/er/still/deeper.bin',
      'docs/guide/intro.md',
      'docs/log.txt',
      'empty-dir',
      'empty.txt',
      'media/clip.bin',
      'moved',
      'moved/deep',
      'moved/deep/er',
      'moved/deep/er/still',
      'moved/deep/er/still/deeper.bin',
      'moved/intro.md',
      'new',
      'new/empty',
      'new/file.txt',
      'small/000/file-0001.txt',
      'small/001/file-0110.txt',
      'small/002/file-0220.txt',
      'small/002/renamed.txt',
    ]);
    const round1 = await waitForSameTree(share.dir, dirB, 180_000);
    await waitUpToDate(a);
    await waitUpToDate(b);
    // Nothing else changed: both still hold exactly what A's user made.
    expect(await snapshotFolder(share.dir)).toEqual(expected);
    expect(await snapshotFolder(dirB)).toEqual(expected);
    expect(round1).toEqual(expected);
    // Metadata too: every file's mtime (to the ms) and executable bit.
    const metaB = await fileMeta(dirB);
    expect(metaB).toEqual(await fileMeta(share.dir));
    expect(metaB['docs/readme.txt']).toMatch(/:x$/);
    const changesDone = Date.now();

    // Round 2: the large file renamed and moved into a new folder: no block moves.
    const inodeBefore = (await stat(join(dirB, 'big.bin'))).ino;
    const receivedBefore = bytesReceived(b);
    await mkdir(A('archive'));
    await rename(A('big.bin'), A('archive/big-moved.bin'));
    const moved = await waitForSameTree(share.dir, dirB, 180_000);
    expect(moved['big.bin']).toBeUndefined();
    expect(moved['archive/big-moved.bin']).toBe(expected['big.bin']);
    await waitUpToDate(b, 3_000);
    // B renamed its own copy (same inode) and received only index nodes and a head.
    expect((await stat(join(dirB, 'archive/big-moved.bin'))).ino).toBe(inodeBefore);
    const movedBytes = bytesReceived(b) - receivedBefore;
    expect(movedBytes).toBeLessThan(MiB);
    const renameDone = Date.now();

    // Round 3: B -> A.
    const beforeB = await snapshotFolder(dirB);
    await writeFile(join(dirB, 'docs/readme.txt'), 'read me, edited on B\n');
    await writeFiles(dirB, { 'from-b/note.txt': 'hello from B\n' }, 'round3');
    const expectedB = await snapshotFolder(dirB);
    expect(changedKeys(beforeB, expectedB)).toEqual([
      'docs/readme.txt',
      'from-b',
      'from-b/note.txt',
    ]);
    await waitForSameTree(dirB, share.dir, 180_000);
    await waitUpToDate(a);
    expect(await snapshotFolder(share.dir)).toEqual(expectedB);
    expect(await snapshotFolder(dirB)).toEqual(expectedB);

    await fixture.stop(b);
    await fixture.stop(a);
    console.log(
      `sync.test: write folder ${written - t0} ms, initial sync ${synced - written} ms, ` +
        `changes ${changesDone - synced} ms, big rename ${renameDone - changesDone} ms ` +
        `(${movedBytes} bytes received), B->A ${Date.now() - renameDone} ms`,
    );
  }, 900_000);
});
