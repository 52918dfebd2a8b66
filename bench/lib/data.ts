/**
 * Test data on disk: random (incompressible, never deduplicated) files, and a check that two
 * folders hold the same tree (sizes and SHA-256 of every file; the .peerfold marker and other
 * hidden entries left out, as test/helpers/folders.ts does).
 */
import { randomFillSync } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describeDiff, snapshotFolder, type FolderSnapshot } from '../../test/helpers/folders';
import { MiB } from './case';

/** Writes `size` random bytes to `file` in 1 MiB pieces (never the whole file in memory). */
export async function writeRandomFile(file: string, size: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(file, 'w');
  try {
    const piece = Buffer.alloc(Math.min(size, MiB));
    for (let done = 0; done < size;) {
      const n = Math.min(piece.length, size - done);
      randomFillSync(piece, 0, n);
      await handle.write(piece, 0, n);
      done += n;
    }
  } finally {
    await handle.close();
  }
}

/** A file to write: its path below the folder (with `/`) and its size. */
export interface PlannedFile {
  readonly path: string;
  readonly size: number;
}

/**
 * `count` files totalling about `total` bytes, spread over folders of at most 100 files, sizes
 * varying from half to one and a half times the mean (the same plan on disk and in a browser).
 */
export function treePlan(count: number, total: number): PlannedFile[] {
  const mean = total / count;
  return Array.from({ length: count }, (_, i) => ({
    path: `d${Math.floor(i / 100)}/f${i}.bin`,
    size: Math.round(mean * (0.5 + ((i * 7919) % count) / count)),
  }));
}

/** `treePlan(count, total)` written as random files under `root`; returns the bytes written. */
export async function writeRandomTree(root: string, count: number, total: number): Promise<number> {
  let written = 0;
  for (const { path, size } of treePlan(count, total)) {
    await writeRandomFile(join(root, path), size);
    written += size;
  }
  return written;
}

/** Throws (with the first differences) unless `b` holds exactly the tree of `a`. */
export async function assertSameTree(a: string, b: string, what: string): Promise<void> {
  const [sa, sb] = await Promise.all([snapshotFolder(a), snapshotFolder(b)]);
  if (JSON.stringify(sa) !== JSON.stringify(sb)) {
    throw new Error(`${what}: the trees differ after the run: ${describeDiff(sa, sb)}`);
  }
  if (Object.keys(sa).length === 0) throw new Error(`${what}: the source tree is empty`);
}

/** Throws unless `dir` holds exactly `want` (a snapshot: of a folder, or e2e's opfsTree). */
export async function assertTreeIs(dir: string, want: FolderSnapshot, what: string): Promise<void> {
  const got = await snapshotFolder(dir);
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`${what}: the trees differ after the run: ${describeDiff(want, got)}`);
  }
}
