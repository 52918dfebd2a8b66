/**
 * Opening a pack store: every pack's idx is read sequentially into the in-memory index (packs
 * in ascending order, later entries winning), dropping any entry that points outside its pack
 * (a torn tail after a crash: the idx reached the disk, the record did not). A writer then
 * decides where to append: after the last good record of the last pack, cutting off a torn
 * tail (records whose idx entries were never written, half an idx entry), or in a new pack when
 * the last one cannot be trusted (a bad header, a missing idx, an entry past its end).
 */
import { readFile, readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { fsError, isNotFound } from './node-fs';
import {
  forEachIdxEntry,
  hasMagic,
  HEADER_BYTES,
  IDX_ENTRY_BYTES,
  IDX_MAGIC,
  idxFile,
  PACK_MAGIC,
  packFile,
  packNumbers,
  RECORD_HEADER_BYTES,
  TOMBSTONE,
} from './pack-format';
import { readFully, openFd, closeFd } from './pack-files';
import type { PackIndex } from './pack-index';

/** Where a writer appends: the end of the last pack's good records and of its idx entries. */
export interface AppendPoint {
  readonly pack: number;
  readonly packEnd: number;
  readonly idxEnd: number;
}

export interface LoadedPacks {
  /** The last pack, if a writer may append to it (after any repair). */
  readonly append: AppendPoint | undefined;
  /** The number a new pack takes. */
  readonly next: number;
  /** Entries dropped because they point outside their pack. */
  readonly dropped: number;
}

interface PackScan {
  readonly pack: number;
  readonly packBytes: number;
  readonly idxBytes: number;
  /** The end of the whole idx entries (header included). */
  readonly idxWhole: number;
  /** The end of the last record an entry points at (the header's end if none). */
  readonly goodEnd: number;
  readonly trusted: boolean;
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
  if (!repair || !last.trusted) return { append: undefined, next, dropped };
  // Records without idx entries (written before a crash) and half an entry are cut off.
  if (last.packBytes > last.goodEnd) await cut(join(packsDir, packFile(last.pack)), last.goodEnd);
  if (last.idxBytes > last.idxWhole) await cut(join(packsDir, idxFile(last.pack)), last.idxWhole);
  return {
    append: { pack: last.pack, packEnd: last.goodEnd, idxEnd: last.idxWhole },
    next,
    dropped,
  };
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
  const idxBytes = idx?.length ?? 0;
  const idxWhole =
    idxBytes < HEADER_BYTES
      ? HEADER_BYTES
      : idxBytes - ((idxBytes - HEADER_BYTES) % IDX_ENTRY_BYTES);
  const headersOk =
    hasMagic(packHeader, PACK_MAGIC) && idx !== undefined && hasMagic(idx, IDX_MAGIC);
  let goodEnd = HEADER_BYTES;
  let dropped = 0;
  if (headersOk) {
    forEachIdxEntry(idx, (at, offset, length) => {
      if (length === TOMBSTONE) return index.delete(idx, at);
      const end = offset + RECORD_HEADER_BYTES + length;
      if (offset < HEADER_BYTES || end > packBytes) return void dropped++;
      index.set(idx, pack, offset, length, at);
      if (end > goodEnd) goodEnd = end;
    });
  }
  const trusted = headersOk && dropped === 0;
  return { pack, packBytes, idxBytes, idxWhole, goodEnd, trusted, dropped };
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
  return sizes.reduce((sum, size) => sum + Math.floor(size / IDX_ENTRY_BYTES), 0);
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
