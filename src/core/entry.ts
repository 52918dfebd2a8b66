/**
 * The folder's state is a sorted map `path -> Entry` (DESIGN.md section 3). An entry is one
 * version of one path: a file, a directory, or a tombstone recording a deletion.
 */
import type { Address } from './objects';

/** Device ids are 16 lowercase hex characters (8 random bytes), one per device and share. */
export type DeviceId = string;

/** Per-device counters; a missing device counts as 0. Canonical form omits zeros. */
export type VersionVector = Readonly<Record<DeviceId, number>>;

export interface BlockRef {
  readonly address: Address;
  /** Plaintext bytes in this block. */
  readonly size: number;
}

export type EntryKind = 'file' | 'dir';

export interface Entry {
  /** Normalised relative path, '/'-separated (see path.ts). */
  readonly path: string;
  readonly kind: EntryKind;
  /** Plaintext size in bytes: the sum of the block sizes; 0 for directories and tombstones. */
  readonly size: number;
  /** Modification time, milliseconds since the Unix epoch. */
  readonly mtime: number;
  readonly executable: boolean;
  /** The file's content in order; empty for empty files, directories and tombstones. */
  readonly blocks: readonly BlockRef[];
  readonly version: VersionVector;
  /** The device that wrote this version. */
  readonly device: DeviceId;
  /** A tombstone: the path was deleted at this version. */
  readonly deleted: boolean;
}

export const DEVICE_ID_PATTERN = /^[0-9a-f]{16}$/;
