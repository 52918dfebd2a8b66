/**
 * The Drive contract (src/core/drive.ts): every adapter runs it through `driveContract`. The
 * safety cases (expect re-checks, bad paths, pausing, faults) are in drive-contract-safety.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Drive, DriveEntry } from '../../src/core/drive';
import { bytesEqual, concatBytes, fromUtf8, utf8 } from '../../src/core/bytes';
import { isPeerfoldError, type ErrorCode } from '../../src/core/errors';
import { FaultyDrive } from '../../src/storage/faulty-drive';
import { driveSafetyContract } from './drive-contract-safety';
import { bytesFor } from '../helpers/data';

export { bytesFor };

export interface DriveHarness {
  /** A drive on a fresh, empty folder whose marker exists. */
  readonly drive: Drive;
  /** Deletes the whole folder from under the drive, as a user would. */
  removeRoot(): Promise<void>;
  /** Deletes the marker directory from under the drive. */
  removeMarker(): Promise<void>;
  /** What the folder's parent holds besides the folder: nothing may ever be written there. */
  outside(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export type MakeDrive = () => Promise<DriveHarness>;

export const MTIME = 1_700_000_000_123;

export function* chunksOf(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
  if (bytes.length === 0) yield new Uint8Array(0);
}

export async function readAll(drive: Drive, path: string, chunk?: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of drive.readStream(path, chunk)) {
    if (chunk !== undefined) expect(part.length).toBeLessThanOrEqual(chunk);
    parts.push(part);
  }
  return concatBytes(...parts);
}

export async function listAll(drive: Drive, under?: string): Promise<DriveEntry[]> {
  const out: DriveEntry[] = [];
  for await (const e of drive.list(under)) out.push(e);
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** An entry without its device-local change token, to compare with a literal. */
export function withoutChange(e: DriveEntry | undefined): Omit<DriveEntry, 'change'> | undefined {
  if (!e) return e;
  const rest: { change?: string } & Omit<DriveEntry, 'change'> = { ...e };
  delete rest.change;
  return rest;
}

export function put(
  drive: Drive,
  path: string,
  content: string | Uint8Array,
  mtime = MTIME,
): Promise<DriveEntry> {
  const bytes = typeof content === 'string' ? utf8(content) : content;
  return drive.write(path, [bytes], { mtime, executable: false });
}

export async function text(drive: Drive, path: string): Promise<string> {
  return fromUtf8(await readAll(drive, path));
}

/** The code of the PeerfoldError `p` rejects with ('ok' if it resolves). */
export async function codeOf(p: Promise<unknown> | AsyncIterable<unknown>): Promise<string> {
  try {
    if (Symbol.asyncIterator in p) {
      const iterator = p[Symbol.asyncIterator]();
      while (!(await iterator.next()).done);
    } else await p;
    return 'ok';
  } catch (e) {
    if (isPeerfoldError(e)) return e.code satisfies ErrorCode;
    throw e;
  }
}

export interface Ctx {
  h: DriveHarness;
  d: Drive;
}

export function driveContract(name: string, make: MakeDrive): void {
  describe(`Drive contract: ${name}`, () => {
    const ctx = {} as Ctx;
    beforeEach(async () => {
      ctx.h = await make();
      ctx.d = ctx.h.drive;
    });
    afterEach(() => ctx.h.cleanup());

    it('starts ok and empty; the marker holds bytes and is never listed', async () => {
      const { d } = ctx;
      expect(await d.status()).toBe('ok');
      expect(await listAll(d)).toEqual([]);
      expect(await d.readMarker()).toBeUndefined();
      await d.writeMarker(utf8('share-1'));
      await d.writeMarker(utf8('share-2'));
      expect(fromUtf8((await d.readMarker())!)).toBe('share-2');
      await d.createMarker(); // idempotent
      expect(await listAll(d)).toEqual([]);
    });

    it.each([
      ['empty', 0, 7],
      ['small', 100, 7],
      ['multi-MiB', 3 * 1024 * 1024 + 17, 65536],
    ])('round-trips a %s file through streams', async (_, size, chunk) => {
      const { d } = ctx;
      const data = bytesFor(`round-${size}`, size);
      const written = await d.write('dir/sub/f.bin', chunksOf(data, chunk), {
        mtime: MTIME,
        executable: false,
      });
      const want = { path: 'dir/sub/f.bin', kind: 'file', size, mtime: MTIME, executable: false };
      expect(withoutChange(written)).toEqual(want);
      expect(withoutChange(await d.stat('dir/sub/f.bin'))).toEqual(want);
      expect(bytesEqual(await readAll(d, 'dir/sub/f.bin', 100_000), data)).toBe(true);
      expect(bytesEqual(await readAll(d, 'dir/sub/f.bin'), data)).toBe(true);
      const mid = Math.floor(size / 2);
      expect([...(await d.read('dir/sub/f.bin', mid, 10))]).toEqual([
        ...data.subarray(mid, mid + 10),
      ]);
      expect((await d.read('dir/sub/f.bin', size + 5, 10)).length).toBe(0);
    });

    it('accepts plain iterables and keeps the executable bit and mtime', async () => {
      const { d } = ctx;
      const parts = [utf8('#!/bin/sh\n'), utf8('echo hi\n')];
      const e = await d.write('run.sh', parts, { mtime: MTIME + 1, executable: true });
      expect(e).toMatchObject({ size: 18, mtime: MTIME + 1, executable: true });
      const expect_ = { size: 18, mtime: MTIME + 1 }; // what was seen: still true, so it goes
      await d.write('run.sh', [utf8('x')], {
        mtime: MTIME,
        executable: false,
        expect: expect_,
      });
      expect(await d.stat('run.sh')).toMatchObject({ size: 1, mtime: MTIME, executable: false });
      expect(await d.setMtime('run.sh', MTIME - 5000)).toMatchObject({ mtime: MTIME - 5000 });
      expect(await codeOf(d.setMtime('nope', MTIME))).toBe('missing');
    });

    it('lists every file and directory, recursively, in any order', async () => {
      const { d } = ctx;
      await put(d, 'a/b/c.txt', 'c');
      await put(d, 'a/d.txt', 'dd');
      await put(d, 'e.txt', 'eee');
      await d.mkdir('f/g');
      await d.mkdir('f/g'); // idempotent
      const all = await listAll(d);
      expect(all.map((e) => `${e.kind}:${e.path}`)).toEqual([
        'dir:a',
        'dir:a/b',
        'file:a/b/c.txt',
        'file:a/d.txt',
        'file:e.txt',
        'dir:f',
        'dir:f/g',
      ]);
      expect(all.find((e) => e.path === 'a/d.txt')).toMatchObject({ size: 2, mtime: MTIME });
      expect(all.find((e) => e.path === 'a')).toMatchObject({ size: 0, executable: false });
      expect((await listAll(d, 'a')).map((e) => e.path)).toEqual(['a/b', 'a/b/c.txt', 'a/d.txt']);
      expect(await listAll(d, 'zzz')).toEqual([]);
      expect(await d.stat('a')).toMatchObject({ kind: 'dir', path: 'a' });
      expect(await d.stat('a/nope')).toBeUndefined();
      expect(await d.stat('e.txt/x')).toBeUndefined();
    });

    it('skips temporary files left by a crash, and cleanupTemp removes them', async () => {
      const { d } = ctx;
      await put(d, 'keep.txt', 'old');
      const f = new FaultyDrive(d, { crashBeforeRename: true });
      expect(await codeOf(put(f, 'keep.txt', 'new'))).toBe('io');
      expect(await codeOf(put(f, 'sub/new.txt', 'new'))).toBe('ok'); // the crash was one-shot
      expect(await text(d, 'keep.txt')).toBe('old');
      expect((await listAll(d)).map((e) => e.path)).toEqual(['keep.txt', 'sub', 'sub/new.txt']);
      expect(await d.cleanupTemp()).toBe(1);
      expect(await d.cleanupTemp()).toBe(0);
      expect(await text(d, 'keep.txt')).toBe('old');
    });

    it('a reader during a slow write sees the old or the new content, never a part', async () => {
      const { d } = ctx;
      const old = bytesFor('old', 256 * 1024);
      const next = bytesFor('new', 300 * 1024);
      await put(d, 'big.bin', old);
      const slow = new FaultyDrive(d, { writeLatencyMs: 5 });
      let done = false;
      const writing = slow
        .write('big.bin', chunksOf(next, 16 * 1024), { mtime: MTIME + 9, executable: false })
        .finally(() => (done = true));
      const seen = new Set<string>();
      while (!done) {
        // A browser File is a snapshot that turns unreadable once the file is replaced: a read
        // racing the commit may fail with 'changed' instead, never return a mix of the two.
        const got = await readAll(d, 'big.bin', 64 * 1024).catch((e: unknown) => {
          if (isPeerfoldError(e, 'changed')) return 'changed' as const;
          throw e;
        });
        const which =
          got === 'changed' ? got : bytesEqual(got, old) ? 'old' : bytesEqual(got, next) && 'new';
        expect(which).not.toBe(false);
        seen.add(String(which));
        expect((await listAll(d)).map((e) => e.path)).toEqual(['big.bin']);
        await new Promise((r) => setTimeout(r, 2));
      }
      await writing;
      expect(seen.has('old')).toBe(true);
      expect(bytesEqual(await readAll(d, 'big.bin'), next)).toBe(true);
    });

    it('renames files and directories in place, keeping their times', async () => {
      const { d } = ctx;
      await put(d, 'x/one.txt', '1', MTIME - 1000);
      await put(d, 'x/two.txt', '2');
      const moved = await d.rename('x/one.txt', 'y/z/uno.txt', { size: 1, mtime: MTIME - 1000 });
      expect(moved).toMatchObject({ path: 'y/z/uno.txt', size: 1, mtime: MTIME - 1000 });
      expect(await d.stat('x/one.txt')).toBeUndefined();
      expect(await d.rename('x', 'w', 'dir')).toMatchObject({ kind: 'dir', path: 'w' });
      expect(await text(d, 'w/two.txt')).toBe('2');
      expect((await listAll(d)).map((e) => e.path)).toEqual([
        'w',
        'w/two.txt',
        'y',
        'y/z',
        'y/z/uno.txt',
      ]);
      expect(await codeOf(d.rename('gone', 'there'))).toBe('missing');
    });

    it('gives a file a new change token when swapped by renames or rewritten, where it has them', async () => {
      const { d } = ctx;
      await put(d, 'a.txt', 'aaa');
      await put(d, 'b.txt', 'bbb'); // same size and mtime: only the token can tell them apart
      const before = await d.stat('a.txt');
      if (before?.change === undefined) {
        // a drive without tokens has none anywhere: the scanner then relies on size and mtime
        expect((await listAll(d)).every((e) => e.change === undefined)).toBe(true);
        return;
      }
      expect((await d.stat('a.txt'))?.change).toBe(before.change); // stable while untouched
      expect((await listAll(d)).find((e) => e.path === 'a.txt')?.change).toBe(before.change);
      const seen = { size: 3, mtime: MTIME };
      await d.rename('a.txt', 't.txt', seen);
      await d.rename('b.txt', 'a.txt', seen);
      await d.rename('t.txt', 'b.txt', seen);
      const swapped = await d.stat('a.txt');
      expect(withoutChange(swapped)).toEqual(withoutChange(before));
      expect(swapped?.change).not.toBe(before.change);
      await put(d, 'a.txt', 'aaa'); // same size, same mtime, written again
      expect((await d.stat('a.txt'))?.change).not.toBe(swapped?.change);
    });

    it('removes files and empty directories; removing nothing is a no-op', async () => {
      const { d } = ctx;
      await put(d, 'p/q.txt', 'q');
      await d.remove('p/q.txt', { size: 1, mtime: MTIME });
      await d.remove('p', 'dir');
      await d.remove('p');
      await d.remove('never/was');
      expect(await listAll(d)).toEqual([]);
    });

    it('reports changes to a watcher (best effort)', async () => {
      const { d } = ctx;
      const seen: (string | undefined)[] = [];
      const stop = d.watch((p) => seen.push(p));
      await put(d, 'watched.txt', 'w');
      for (let i = 0; i < 100 && seen.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      stop();
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((p) => p === undefined || !p.includes('.peerfold'))).toBe(true);
    });

    driveSafetyContract(ctx);
  });
}
