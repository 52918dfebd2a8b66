import {
  appendFile,
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeDrive } from '../../src/storage/node-drive';
import { bytesEqual, concatBytes } from '../../src/core/bytes';
import { codeOf, driveContract, listAll, MTIME, put, readAll, text } from './drive-contract';
import { nodeHarness } from './node-harness';
import { stagingContract } from './drive-staging-contract';

driveContract('node', nodeHarness);
stagingContract('node', nodeHarness);

describe('NodeDrive on a real folder', () => {
  let h: Awaited<ReturnType<typeof nodeHarness>>;
  let root: string;
  beforeEach(async () => {
    h = await nodeHarness();
    root = h.drive.root;
  });
  afterEach(() => h.cleanup());

  it('does not follow a symlink out of the root', async () => {
    const d = h.drive;
    const secret = join(h.parent, 'secret');
    await mkdir(secret);
    await writeFile(join(secret, 'key.txt'), 'secret');
    await symlink(secret, join(root, 'link'));
    await symlink(join(secret, 'key.txt'), join(root, 'key-link.txt'));
    await put(d, 'real.txt', 'r');

    expect((await listAll(d)).map((e) => e.path)).toEqual(['real.txt']);
    const calls = [
      () => put(d, 'link/x.txt', 'evil'),
      () => put(d, 'link/deeper/x.txt', 'evil'),
      () => d.mkdir('link/sub'),
      () => d.stat('link/key.txt'),
      () => d.read('link/key.txt', 0, 10),
      () => d.readStream('link/key.txt'),
      () => d.remove('link/key.txt'),
      () => d.rename('real.txt', 'link/real.txt'),
      () => d.list('link'),
    ];
    for (const call of calls) expect(await codeOf(call())).toBe('bad-path');
    // The link itself is not the drive's: not a file to read, replace, or remove.
    expect(await d.stat('key-link.txt')).toBeUndefined();
    expect(await codeOf(d.read('key-link.txt', 0, 10))).toBe('missing');
    expect(await codeOf(put(d, 'key-link.txt', 'evil'))).toBe('changed');
    expect(await codeOf(d.remove('key-link.txt'))).toBe('changed');
    expect(await codeOf(d.rename('key-link.txt', 'x'))).toBe('changed');
    expect(await codeOf(d.rename('link', 'x'))).toBe('changed');
    expect(await readdir(secret)).toEqual(['key.txt']);
    expect(await readFile(join(secret, 'key.txt'), 'utf8')).toBe('secret');
    expect((await lstat(join(root, 'link'))).isSymbolicLink()).toBe(true);
  });

  it('refuses a directory swapped for a symlink after writes through it passed', async () => {
    const d = h.drive;
    const secret = join(h.parent, 'secret');
    await mkdir(secret);
    await put(d, 'sub/a.txt', 'a');
    await rename(join(root, 'sub'), join(root, 'old-sub'));
    await symlink(secret, join(root, 'sub'));
    expect(await codeOf(put(d, 'sub/b.txt', 'evil'))).toBe('bad-path');
    expect(await readdir(secret)).toEqual([]);
  });

  it('follows the folder to a new real path (its path is now a symlink to where it moved)', async () => {
    const d = h.drive;
    await put(d, 'sub/a.txt', 'a');
    const moved = join(h.parent, 'moved');
    await rename(root, moved);
    await symlink(moved, root);
    await put(d, 'sub/b.txt', 'b');
    expect(await readFile(join(moved, 'sub', 'b.txt'), 'utf8')).toBe('b');
  });

  it('streams files of any size whole, in chunks no larger than asked', async () => {
    const d = h.drive;
    const chunk = 1000;
    for (const size of [0, 1, 999, 1000, 1001, 2999, 3000, 70_000]) {
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 7 + size) & 255);
      await writeFile(join(root, 'f.bin'), data);
      expect(bytesEqual(await readAll(d, 'f.bin', chunk), data), `${size}`).toBe(true);
      expect(bytesEqual(await readAll(d, 'f.bin'), data), `${size}`).toBe(true);
    }
  });

  it('streams a file that grows while it is read to its new end', async () => {
    const d = h.drive;
    await writeFile(join(root, 'g.bin'), new Uint8Array(1500).fill(1));
    const parts: Uint8Array[] = [];
    for await (const part of d.readStream('g.bin', 1000)) {
      if (parts.length === 0) await appendFile(join(root, 'g.bin'), new Uint8Array(2500).fill(2));
      expect(part.length).toBeLessThanOrEqual(1000);
      parts.push(part);
    }
    const got = concatBytes(...parts);
    expect(got.length).toBe(4000);
    expect(got.subarray(1500).every((b) => b === 2)).toBe(true);
  });

  it('renames without copying (same inode)', async () => {
    const d = h.drive;
    await put(d, 'a.bin', 'data');
    const before = await stat(join(root, 'a.bin'));
    await d.rename('a.bin', 'deep/b.bin');
    expect((await stat(join(root, 'deep', 'b.bin'))).ino).toBe(before.ino);
  });

  it('refuses to overwrite or delete a file replaced with the same size and mtime (change token)', async () => {
    const d = h.drive;
    const seen = await put(d, 'doc.txt', 'v1');
    expect(seen.change).toBeDefined();
    // Replaced by another program: same size, same mtime, another inode.
    await writeFile(join(root, 'other.tmp'), 'v2');
    await utimes(join(root, 'other.tmp'), new Date(), new Date(seen.mtime));
    await rename(join(root, 'other.tmp'), join(root, 'doc.txt'));
    const stale = { size: seen.size, mtime: seen.mtime, change: seen.change };
    expect(await d.stat('doc.txt')).toMatchObject({ size: seen.size, mtime: seen.mtime });
    const write = d.write('doc.txt', [Buffer.from('remote')], {
      mtime: MTIME,
      executable: false,
      expect: stale,
    });
    expect(await codeOf(write)).toBe('changed');
    expect(await codeOf(d.remove('doc.txt', stale))).toBe('changed');
    expect(await text(d, 'doc.txt')).toBe('v2');
    const now = (await d.stat('doc.txt'))!;
    expect(
      await codeOf(d.remove('doc.txt', { size: now.size, mtime: now.mtime, change: now.change })),
    ).toBe('ok');
  });

  it('writes through a temporary file in the same directory, synced and renamed', async () => {
    const d = h.drive;
    let during: string[] = [];
    await d.write('sub/f.txt', [Buffer.from('x')], {
      mtime: MTIME,
      executable: false,
      beforeCommit: async () => {
        during = await readdir(join(root, 'sub'));
      },
    });
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(/^\.peerfold-tmp-[0-9a-f]{16}-[0-9a-z]+$/);
    expect(await readdir(join(root, 'sub'))).toEqual(['f.txt']);
  });

  it('maps the executable bit to mode & 0o111 and keeps other permission bits', async () => {
    const d = h.drive;
    await d.write('x.sh', [Buffer.from('#!')], { mtime: MTIME, executable: true });
    expect((await stat(join(root, 'x.sh'))).mode & 0o111).not.toBe(0);
    await chmod(join(root, 'x.sh'), 0o700);
    await d.write('x.sh', [Buffer.from('#')], { mtime: MTIME, executable: false });
    expect((await stat(join(root, 'x.sh'))).mode & 0o777).toBe(0o600);
    await chmod(join(root, 'x.sh'), 0o751);
    expect(await d.stat('x.sh')).toMatchObject({ executable: true });
  });

  it('reports mtimes in whole milliseconds, stable across a write', async () => {
    const d = h.drive;
    for (const mtime of [MTIME, MTIME + 999, 1_000, 4_102_444_800_000]) {
      expect((await put(d, 'm.txt', 'm', mtime)).mtime).toBe(mtime);
      expect((await d.stat('m.txt'))!.mtime).toBe(mtime);
    }
  });

  it('lists names in NFC and leaves validation to the scanner', async () => {
    await writeFile(join(root, 'cafe\u0301.txt'), 'nfd');
    await writeFile(join(root, 'aux.txt'), 'reserved on Windows');
    expect((await listAll(h.drive)).map((e) => e.path)).toEqual(['aux.txt', 'caf\u00e9.txt']);
  });

  it('probes the file system for case folding', async () => {
    expect(h.drive.caseInsensitive).toBe(false); // ext4/tmpfs here
    const forced = await NodeDrive.open(root, { caseInsensitive: true });
    expect(forced.caseInsensitive).toBe(true);
    expect(await text(h.drive, 'nope.txt').catch(() => 'missing')).toBe('missing');
  });

  it('watches subdirectories', async () => {
    const d = h.drive;
    await d.mkdir('w/x');
    const seen: (string | undefined)[] = [];
    const stop = d.watch((p) => seen.push(p));
    await new Promise((r) => setTimeout(r, 50));
    await put(d, 'w/x/deep.txt', 'd');
    for (let i = 0; i < 100 && !seen.includes('w/x/deep.txt'); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    stop();
    expect(seen).toContain('w/x/deep.txt');
  });
});
