/**
 * Reading a pack store's packs at open, the part both platforms share (Node's pack-load.ts, the
 * browser's opfs-pack-store.ts): each pack's idx is read into the in-memory index (packs in
 * ascending order, later entries winning), dropping any entry that points outside its pack (a
 * torn tail after a crash: the idx reached the disk, the record did not). A writer then appends
 * after the last good record of the last pack, cutting off a torn tail (records whose idx
 * entries were never written, half an idx entry), or in a new pack when the last one cannot be
 * trusted (a bad header, a missing idx, an entry past its end).
 */
import {
  forEachIdxEntry,
  hasMagic,
  HEADER_BYTES,
  IDX_ENTRY_BYTES,
  IDX_MAGIC,
  PACK_MAGIC,
  RECORD_HEADER_BYTES,
  TOMBSTONE,
} from './pack-format';
import type { PackIndex } from './pack-index';

/** Where a writer appends: the end of the last pack's good records and of its idx entries. */
export interface AppendPoint {
  readonly pack: number;
  readonly packEnd: number;
  readonly idxEnd: number;
}

export interface PackScan {
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

/**
 * Indexes one pack from its size, its first HEADER_BYTES and its idx file's bytes (undefined
 * when the idx is missing: a crash between creating the pack and its idx).
 */
export function scanPack(
  pack: number,
  packBytes: number,
  packHeader: Uint8Array,
  idx: Uint8Array | undefined,
  index: PackIndex,
): PackScan {
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

/** How many idx entries files of these sizes hold in all (tombstones included): a bound. */
export const entriesIn = (idxSizes: readonly number[]): number =>
  idxSizes.reduce((sum, size) => sum + Math.floor(size / IDX_ENTRY_BYTES), 0);

/**
 * Where a writer appends after `last` (the last pack scanned): undefined when it must start a
 * new pack. Bytes past the append point (a torn tail) are to be cut off first.
 */
export function appendAfter(last: PackScan | undefined): AppendPoint | undefined {
  if (!last?.trusted) return undefined;
  return { pack: last.pack, packEnd: last.goodEnd, idxEnd: last.idxWhole };
}
