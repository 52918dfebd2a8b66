/**
 * The on-disk format of the pack object store (docs/STORAGE.md, "Objects in Node"):
 *
 *   <dir>/packs/<n>.pack   "PFPACK" 0 1, then records: u32 length (LE), address (32), bytes
 *   <dir>/packs/<n>.idx    "PFIDX" 0 0 1, then entries: address (32), u32 record offset, u32 length
 *
 * An idx entry is appended after its record, so a whole entry points at written bytes unless
 * the machine crashed in between; a length of TOMBSTONE says "forget this address" (a record
 * found corrupt). Later entries win over earlier ones, across packs in ascending order.
 */
import { ADDRESS_BYTES } from '../core/objects';

export const PACK_MAGIC = new Uint8Array([0x50, 0x46, 0x50, 0x41, 0x43, 0x4b, 0x00, 0x01]);
export const IDX_MAGIC = new Uint8Array([0x50, 0x46, 0x49, 0x44, 0x58, 0x00, 0x00, 0x01]);
export const HEADER_BYTES = 8;
export const RECORD_HEADER_BYTES = 4 + ADDRESS_BYTES;
export const IDX_ENTRY_BYTES = ADDRESS_BYTES + 4 + 4;
/** The length of a tombstone entry (no object is this long: pack offsets are u32 too). */
export const TOMBSTONE = 0xffff_ffff;
/** Offsets are u32: a pack never grows past this. */
export const MAX_PACK_BYTES = 0xffff_0000;

export const packFile = (n: number): string => `${n}.pack`;
export const idxFile = (n: number): string => `${n}.idx`;

/** The pack numbers among a directory's names, ascending (each with a `.pack` file). */
export function packNumbers(names: readonly string[]): number[] {
  const numbers: number[] = [];
  for (const name of names) {
    const m = /^(0|[1-9][0-9]{0,8})\.pack$/.exec(name);
    if (m) numbers.push(Number(m[1]));
  }
  return numbers.sort((a, b) => a - b);
}

export function hasMagic(bytes: Uint8Array, magic: Uint8Array): boolean {
  if (bytes.length < HEADER_BYTES) return false;
  for (let i = 0; i < HEADER_BYTES; i++) if (bytes[i] !== magic[i]) return false;
  return true;
}

/** The 36-byte header in front of an object's bytes in a pack. */
export function recordHeader(address: Uint8Array, length: number): Uint8Array {
  const header = new Uint8Array(RECORD_HEADER_BYTES);
  new DataView(header.buffer).setUint32(0, length, true);
  header.set(address, 4);
  return header;
}

/** Whether `record` (header and bytes, read at an entry's offset) starts as the entry says. */
export function recordMatches(record: Uint8Array, address: Uint8Array, length: number): boolean {
  if (record.length !== RECORD_HEADER_BYTES + length) return false;
  const view = new DataView(record.buffer, record.byteOffset, RECORD_HEADER_BYTES);
  if (view.getUint32(0, true) !== length) return false;
  for (let i = 0; i < ADDRESS_BYTES; i++) if (record[4 + i] !== address[i]) return false;
  return true;
}

/** Writes one idx entry into `out` at `at`. */
export function putIdxEntry(
  out: Uint8Array,
  at: number,
  address: Uint8Array,
  offset: number,
  length: number,
): void {
  out.set(address, at);
  const view = new DataView(out.buffer, out.byteOffset + at + ADDRESS_BYTES, 8);
  view.setUint32(0, offset, true);
  view.setUint32(4, length, true);
}

/**
 * Calls `f` for each whole entry of an idx file's bytes (header checked by the caller), in
 * order; the entry's address is `bytes[at, at + 32)`.
 */
export function forEachIdxEntry(
  bytes: Uint8Array,
  f: (at: number, offset: number, length: number) => void,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = HEADER_BYTES; at + IDX_ENTRY_BYTES <= bytes.length; at += IDX_ENTRY_BYTES) {
    f(at, view.getUint32(at + ADDRESS_BYTES, true), view.getUint32(at + ADDRESS_BYTES + 4, true));
  }
}
