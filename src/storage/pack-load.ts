/**
 * Opening a pack store in Node: the packs are read with pack-scan.ts (shared with the browser
 * store), and a writer's torn tail is cut off here.
 */
import { readFile, readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { fsError, isNotFound } from './node-fs';
import { HEADER_BYTES, idxFile, packFile, packNumbers } from './pack-format';
import { readFully, openFd, closeFd } from './pack-files';
import type { PackIndex } from './pack-index';
import { appendAfter, entriesIn, scanPack, type AppendPoint, type PackScan } from './pack-scan';

export interface LoadedPacks {
  /** The last pack, if a writer may append to it (after any repair). */
  readonly append: AppendPoint | undefined;
  /** The number a new pack takes. */
  readonly next: number;
  /** Entries dropped because they point outside their pack. */
  readonly dropped: number;
}

/** Fills `index` from the packs in `packsDir`; `repair` (a writer) also fixes a torn tail. */
export async function loadPacks(
  packsDir: string,
  index: PackIndex,
  repair: boolean,
): Promise<LoadedPacks> {
  let names: string[];
  try {
    names = await readdir(packsDir);
  } catch (e) {
    if (isNotFound(e)) return { append: undefined, next: 0, dropped: 0 };
    throw fsError(e, packsDir);
  }
  const numbers = packNumbers(names);
  index.reserve(await countEntries(packsDir, numbers));
  let last: PackScan | undefined;
  let dropped = 0;
  for (const pack of numbers) {
    last = await loadPack(packsDir, pack, index);
    dropped += last.dropped;
  }
  if (!last) return { append: undefined, next: 0, dropped };
  const next = last.pack + 1;
  const append = repair ? appendAfter(last) : undefined;
  if (!append) return { append: undefined, next, dropped };
  // Records without idx entries (written before a crash) and half an entry are cut off.
  if (last.packBytes > append.packEnd)
    await cut(join(packsDir, packFile(last.pack)), append.packEnd);
  if (last.idxBytes > append.idxEnd) await cut(join(packsDir, idxFile(last.pack)), append.idxEnd);
  return { append, next, dropped };
}

async function loadPack(packsDir: string, pack: number, index: PackIndex): Promise<PackScan> {
  const packPath = join(packsDir, packFile(pack));
  const [packBytes, packHeader, idx] = await Promise.all([
    stat(packPath).then((s) => s.size),
    readHeader(packPath),
    readFile(join(packsDir, idxFile(pack))).catch((e: unknown) => {
      if (isNotFound(e)) return undefined; // a crash between creating the pack and its idx
      throw e;
    }),
  ]).catch((e: unknown) => {
    throw fsError(e, packPath);
  });
  return scanPack(pack, packBytes, packHeader, idx, index);
}

/** How many entries the packs' idx files hold in all (tombstones included): an upper bound. */
async function countEntries(packsDir: string, packs: readonly number[]): Promise<number> {
  const sizes = await Promise.all(
    packs.map((n) =>
      stat(join(packsDir, idxFile(n))).then(
        (s) => s.size,
        () => 0, // missing or unreadable: loadPack says what it is
      ),
    ),
  );
  return entriesIn(sizes);
}

async function readHeader(path: string): Promise<Uint8Array> {
  const fd = await openFd(path, 'r');
  try {
    return await readFully(fd, HEADER_BYTES, 0);
  } finally {
    await closeFd(fd);
  }
}

async function cut(path: string, length: number): Promise<void> {
  await truncate(path, length).catch((e: unknown) => {
    throw fsError(e, path);
  });
}
