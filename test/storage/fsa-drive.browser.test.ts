/**
 * The browser drive in real Chromium: the whole Drive contract over an origin-private directory
 * (once moving files, once copying them as browsers without `move` do), plus what only a
 * browser has: permission states, path-based handles, the mtime table, 64 MiB streamed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesEqual, utf8 } from '../../src/core/bytes';
import { FsaDrive } from '../../src/storage/fsa-drive';
import { bytesFor, codeOf, driveContract, listAll, MTIME, put, text } from './drive-contract';
import { names, opfsDir, opfsHarness } from './opfs-harness';

driveContract('fsa over an OPFS directory', () => opfsHarness());
driveContract('fsa over an OPFS directory, copying instead of moving', () =>
  opfsHarness({ move: false }),
);

/**
 * The root handle as Chromium hands it back after a reload, before the user clicks: its
 * permission is 'prompt' and every call below it fails with NotAllowedError. (OPFS handles are
 * always 'granted' and the permission prompt cannot be driven headless, so the state is played
 * by a proxy over a real handle.)
 */
function withPermission(real: FileSystemDirectoryHandle) {
  const state = { permission: 'granted' as PermissionState };
  const handle = new Proxy(real, {
    get(target, key) {
      if (key === 'queryPermission') return () => Promise.resolve(state.permission);
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (state.permission !== 'granted') {
          throw new DOMException('permission not granted', 'NotAllowedError');
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { handle, state };
}

describe('FsaDrive in Chromium', () => {
  let dir: Awaited<ReturnType<typeof opfsDir>>;
  beforeEach(async () => {
    dir = await opfsDir('peerfold-fsa');
  });
  afterEach(() => dir.remove());

  it('pauses while permission is not granted, and resumes when it is', async () => {
    const setup = await FsaDrive.open(dir.dir);
    await setup.createMarker();
    await put(setup, 'a.txt', 'a');
    await setup.flush();
    // Native methods refuse a proxy as an argument (a move into it), so this drive only reads.
    const { handle, state } = withPermission(dir.dir);
    const d = await FsaDrive.open(handle);
    state.permission = 'prompt';
    expect(await d.status()).toBe('no-permission');
    expect(await codeOf(d.list())).toBe('paused');
    expect(await codeOf(d.stat('a.txt'))).toBe('paused');
    expect(await codeOf(d.stat('never.txt'))).toBe('paused');
    expect(await codeOf(d.read('a.txt', 0, 1))).toBe('paused');
    expect(await codeOf(d.readStream('a.txt'))).toBe('paused');
    expect(await codeOf(put(d, 'b.txt', 'b'))).toBe('paused');
    expect(await codeOf(d.mkdir('m'))).toBe('paused');
    expect(await codeOf(d.remove('a.txt'))).toBe('paused');
    expect(await codeOf(d.rename('a.txt', 'c.txt'))).toBe('paused');
    expect(await codeOf(d.setMtime('a.txt', 1))).toBe('paused');
    expect(await codeOf(d.createMarker())).toBe('paused');
    expect(await codeOf(d.cleanupTemp())).toBe('paused');
    state.permission = 'denied';
    expect(await d.status()).toBe('no-permission');
    state.permission = 'granted';
    expect((await listAll(d)).map((e) => e.path)).toEqual(['a.txt']);
    expect(await text(d, 'a.txt')).toBe('a');
  });

  it('opened before permission is granted, it cannot probe and assumes case folding', async () => {
    const { handle, state } = withPermission(dir.dir);
    state.permission = 'prompt';
    expect((await FsaDrive.open(handle)).caseInsensitive).toBe(true);
    state.permission = 'granted';
    expect((await FsaDrive.open(handle)).caseInsensitive).toBe(false); // OPFS is case-sensitive
    expect(await names(dir.dir)).toEqual([]); // the probe cleaned up
  });

  it('a handle whose directory was removed pauses, also once a new one takes its name', async () => {
    const root = await dir.dir.getDirectoryHandle('root', { create: true });
    const d = await FsaDrive.open(root);
    await d.createMarker();
    await put(d, 'f.txt', 'f');
    await d.flush();
    await dir.dir.removeEntry('root', { recursive: true });
    expect(await d.status()).toBe('missing-root');
    expect(await codeOf(d.list())).toBe('paused');
    expect(await codeOf(d.stat('f.txt'))).toBe('paused');
    await dir.dir.getDirectoryHandle('root', { create: true }); // an empty folder, same name
    expect(await d.status()).toBe('missing-marker');
    expect(await codeOf(d.list())).toBe('paused');
    expect(await codeOf(d.stat('f.txt'))).toBe('paused');
    expect(await codeOf(put(d, 'g.txt', 'g'))).toBe('paused');
  });

  it('keeps the share mtime and executable bit across reopening; a local edit shows', async () => {
    const root = await dir.dir.getDirectoryHandle('root', { create: true });
    const d = await FsaDrive.open(root);
    await d.createMarker();
    await d.write('bin/run.sh', [utf8('#!/bin/sh\n')], { mtime: MTIME, executable: true });
    await d.mkdir('empty');
    await d.setMtime('empty', MTIME - 1);
    await d.flush();
    const again = await FsaDrive.open(root);
    expect(await again.stat('bin/run.sh')).toMatchObject({ mtime: MTIME, executable: true });
    expect(await again.stat('empty')).toMatchObject({ kind: 'dir', mtime: MTIME - 1 });
    // An edit behind the drive's back (another app, the user): the real time and size show.
    const bin = await root.getDirectoryHandle('bin');
    const out = await (await bin.getFileHandle('run.sh')).createWritable();
    await out.write('#!/bin/sh\necho edited\n');
    await out.close();
    const edited = await again.stat('bin/run.sh');
    expect(edited).toMatchObject({ size: 22, executable: true });
    expect(edited!.mtime).not.toBe(MTIME);
    expect(Math.abs(edited!.mtime - Date.now())).toBeLessThan(60_000);
  });

  it('writes through a temporary file beside the target and moves it into place', async () => {
    const root = await dir.dir.getDirectoryHandle('root', { create: true });
    const d = await FsaDrive.open(root);
    await d.createMarker();
    await put(d, 'sub/f.txt', 'old');
    let during: string[] = [];
    let target = '';
    await d.write('sub/f.txt', [utf8('new')], {
      mtime: MTIME,
      executable: false,
      beforeCommit: async () => {
        const sub = await root.getDirectoryHandle('sub');
        during = await names(sub);
        target = await (await (await sub.getFileHandle('f.txt')).getFile()).text();
      },
    });
    expect(during).toHaveLength(2);
    expect(during.find((n) => n !== 'f.txt')).toMatch(/^\.peerfold-tmp-[0-9a-f]{16}$/);
    expect(target).toBe('old'); // the data is complete, the target still untouched
    expect(await names(await root.getDirectoryHandle('sub'))).toEqual(['f.txt']);
    expect(await text(d, 'sub/f.txt')).toBe('new');
  });

  it('reports a change made behind its back (FileSystemObserver)', async () => {
    const root = await dir.dir.getDirectoryHandle('root', { create: true });
    const d = await FsaDrive.open(root);
    await d.createMarker();
    await d.mkdir('w');
    const seen: (string | undefined)[] = [];
    const stop = d.watch((p) => seen.push(p));
    await new Promise((r) => setTimeout(r, 100));
    const w = await root.getDirectoryHandle('w');
    const out = await (await w.getFileHandle('outside.txt', { create: true })).createWritable();
    await out.write('x');
    await out.close();
    for (let i = 0; i < 250 && !seen.includes('w/outside.txt'); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    stop();
    expect(seen).toContain('w/outside.txt');
  });

  it('streams a 64 MiB file in and out, byte for byte', async () => {
    const root = await dir.dir.getDirectoryHandle('root', { create: true });
    const d = await FsaDrive.open(root);
    await d.createMarker();
    const MiB = 1 << 20;
    const parts = Array.from({ length: 7 }, (_, i) => bytesFor(`part-${i}`, MiB));
    const part = (i: number): Uint8Array => parts[i % 7]!;
    function* source(): Generator<Uint8Array> {
      for (let i = 0; i < 64; i++) yield part(i);
    }
    const start = performance.now();
    const written = await d.write('big.bin', source(), { mtime: MTIME, executable: false });
    const writeMs = performance.now() - start;
    expect(written).toMatchObject({ size: 64 * MiB, mtime: MTIME });
    let i = 0;
    const readStart = performance.now();
    for await (const chunk of d.readStream('big.bin', MiB)) {
      expect(bytesEqual(chunk, part(i++))).toBe(true);
    }
    const readMs = performance.now() - readStart;
    expect(i).toBe(64);
    console.log(
      `64 MiB in OPFS: write ${(64 / (writeMs / 1000)).toFixed(1)} MiB/s (${writeMs.toFixed(0)} ms),` +
        ` read+verify ${(64 / (readMs / 1000)).toFixed(1)} MiB/s (${readMs.toFixed(0)} ms)`,
    );
  });
});
