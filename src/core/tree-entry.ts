/**
 * Entries as the index stores them (the format is specified in tree-node.ts).
 *
 * Inside a leaf an entry names its blocks by index into the leaf's clear block list (`b`) and
 * its extents by index into the leaf's clear child list (`c`), so a Store peer sees every
 * address without learning which file holds it. `encodeEntry`/`decodeEntry` are the standalone
 * form of one entry (full block addresses inline), for reuse outside the tree.
 */
import type { BInput, BInputDict, BValue } from './bencode';
import { decode, encode } from './bencode';
import { bytesEqual } from './bytes';
import type { BlockRef, DeviceId, Entry, EntryKind, VersionVector } from './entry';
import { DEVICE_ID_PATTERN } from './entry';
import { isPeerfoldError, PeerfoldError } from './errors';
import { ADDRESS_BYTES, type Address } from './objects';
import { MAX_PATH_BYTES, validatePath } from './path';
import { asBytes, asDict, asInt, asList, type Fields } from './schema';

/** A file with more blocks than this keeps its block list in extent nodes. */
export const INLINE_BLOCKS_MAX = 128;
/** Extents per entry (about 32 GiB at the default 64 KiB average block). */
export const MAX_EXTENTS_PER_ENTRY = 2048;
/** Devices in one version vector. */
export const MAX_VERSION_DEVICES = 1024;
/** Plaintext bytes in one block (the chunker's largest `max`). */
export const MAX_BLOCK_SIZE = 2 ** 30;
/** Blocks in a standalone entry (`decodeEntry`) unless the caller says otherwise. */
export const MAX_STANDALONE_BLOCKS = 1 << 20;

/** An entry as a leaf holds it: blocks inline (at most 128) or the addresses of its extents. */
export interface StoredEntry {
  readonly path: string;
  readonly kind: EntryKind;
  readonly size: number;
  readonly mtime: number;
  readonly executable: boolean;
  /** Inline blocks; empty when the blocks live in extents. */
  readonly blocks: readonly BlockRef[];
  /** Extent node addresses, in order; empty when the blocks are inline. */
  readonly extents: readonly Address[];
  readonly version: VersionVector;
  readonly device: DeviceId;
  readonly deleted: boolean;
}

const malformed = (why: string): PeerfoldError => new PeerfoldError('malformed', why);

/** Checks an entry built locally before it is written; throws what a reader would reject. */
export function checkEntry(e: Entry | StoredEntry): void {
  validatePath(e.path);
  const what = `entry ${JSON.stringify(e.path)}`;
  if (e.kind !== 'file' && e.kind !== 'dir') throw malformed(`${what}: bad kind`);
  if (!Number.isSafeInteger(e.size) || e.size < 0) throw malformed(`${what}: bad size`);
  if (!Number.isSafeInteger(e.mtime)) throw malformed(`${what}: mtime must be an integer`);
  if (!DEVICE_ID_PATTERN.test(e.device)) throw malformed(`${what}: bad device id`);
  const devices = Object.keys(e.version);
  if (devices.length > MAX_VERSION_DEVICES) throw malformed(`${what}: too many devices`);
  for (const d of devices) {
    const n = e.version[d]!;
    if (!DEVICE_ID_PATTERN.test(d)) throw malformed(`${what}: bad device id in version`);
    if (!Number.isSafeInteger(n) || n < 0) throw malformed(`${what}: bad version counter`);
  }
  let sum = 0;
  for (const b of e.blocks) {
    if (!(b.address instanceof Uint8Array) || b.address.length !== ADDRESS_BYTES) {
      throw malformed(`${what}: bad block address`);
    }
    if (!Number.isSafeInteger(b.size) || b.size < 1 || b.size > MAX_BLOCK_SIZE) {
      throw malformed(`${what}: bad block size`);
    }
    sum += b.size;
  }
  const extents = 'extents' in e ? e.extents.length : 0;
  if ((e.kind === 'dir' || e.deleted) && (e.size !== 0 || e.blocks.length > 0 || extents > 0)) {
    throw malformed(`${what}: a directory or tombstone has no content`);
  }
  if (extents === 0 && sum !== e.size) throw malformed(`${what}: size is not the sum of blocks`);
}

/** Version vector in canonical form: zero counters left out. */
function versionDict(v: VersionVector): BInputDict {
  const out: Record<string, number> = {};
  for (const d of Object.keys(v)) if (v[d]! > 0) out[d] = v[d]!;
  return out;
}

function commonFields(e: Entry | StoredEntry): Record<string, BInput | undefined> {
  return {
    p: e.path,
    k: e.kind === 'file' ? 'f' : 'd',
    s: e.size,
    m: e.mtime,
    x: e.executable ? 1 : 0,
    v: versionDict(e.version),
    d: e.device,
    t: e.deleted ? 1 : undefined,
  };
}

/** The entry inside a leaf: `b` holds [index into the leaf's b, size] pairs, `e` extent indexes. */
export function leafEntryValue(
  e: StoredEntry,
  blockIndex: (a: Address) => number,
  extentIndex: (a: Address) => number,
): BInputDict {
  const fields = commonFields(e);
  if (e.blocks.length > 0) fields.b = e.blocks.map((b) => [blockIndex(b.address), b.size]);
  if (e.extents.length > 0) fields.e = e.extents.map(extentIndex);
  return fields;
}

/** Upper bound of the bytes an entry adds to its leaf: the measure of the forced split. */
export function entryWeight(e: StoredEntry, pathBytes: number): number {
  return (
    128 +
    pathBytes +
    64 * e.blocks.length +
    48 * e.extents.length +
    40 * Object.keys(e.version).length
  );
}

interface Common {
  path: string;
  kind: EntryKind;
  size: number;
  mtime: number;
  executable: boolean;
  version: VersionVector;
  device: DeviceId;
  deleted: boolean;
}

function readCommon(f: Fields): Common {
  let path: string;
  try {
    path = validatePath(f.string('p', MAX_PATH_BYTES));
  } catch (e) {
    if (isPeerfoldError(e, 'bad-path')) throw malformed(`${f.what}.p: ${e.message}`);
    throw e;
  }
  const kind = asBytes(f.raw('k'), `${f.what}.k`, 1)[0];
  if (kind !== 0x66 && kind !== 0x64) throw malformed(`${f.what}.k: not 'f' or 'd'`);
  const vf = f.dictField('v');
  const devices = Object.keys(vf.dict);
  if (devices.length > MAX_VERSION_DEVICES) {
    throw new PeerfoldError('too-large', `${f.what}.v: more than ${MAX_VERSION_DEVICES} devices`);
  }
  const version: Record<string, number> = {};
  for (const d of devices) {
    if (!DEVICE_ID_PATTERN.test(d)) throw malformed(`${f.what}.v: bad device id`);
    version[d] = vf.int(d, 1);
  }
  const device = f.string('d', 16);
  if (!DEVICE_ID_PATTERN.test(device)) throw malformed(`${f.what}.d: bad device id`);
  const deleted = f.has('t');
  if (deleted) f.int('t', 1, 1);
  return {
    path,
    kind: kind === 0x66 ? 'file' : 'dir',
    size: f.int('s'),
    mtime: f.int('m', -Number.MAX_SAFE_INTEGER),
    executable: f.int('x', 0, 1) === 1,
    version,
    device,
    deleted,
  };
}

/** A block list's [x, size] pair. */
function pair(v: BValue, what: string): [BValue, number] {
  const p = asList(v, what, 2);
  if (p.length !== 2) throw malformed(`${what}: expected a pair`);
  return [p[0]!, asInt(p[1], `${what}[1]`, 1, MAX_BLOCK_SIZE)];
}

/** Optional list: absent means empty, present must be non-empty (one encoding only). */
function optList(f: Fields, key: string, max: number): BValue[] {
  if (!f.has(key)) return [];
  const list = f.list(key, max);
  if (list.length === 0) throw malformed(`${f.what}.${key}: empty list must be left out`);
  return list;
}

function finish(c: Common, blocks: BlockRef[], extents: Address[], what: string): StoredEntry {
  if (blocks.length > 0 && extents.length > 0) throw malformed(`${what}: both b and e`);
  if ((c.kind === 'dir' || c.deleted) && (c.size !== 0 || blocks.length + extents.length > 0)) {
    throw malformed(`${what}: a directory or tombstone has no content`);
  }
  if (extents.length === 0) {
    let sum = 0;
    for (const b of blocks) sum += b.size;
    if (sum !== c.size) throw malformed(`${what}: size ${c.size} is not the sum of its blocks`);
  }
  return { ...c, blocks, extents };
}

/** Tracks that a leaf's b (or c) list is used in order of first appearance, each used once. */
export class FirstUse {
  private next = 0;
  constructor(
    private readonly list: readonly Address[],
    private readonly what: string,
  ) {}
  take(v: BValue | undefined): Address {
    const i = asInt(v, this.what, 0, this.list.length - 1);
    if (i > this.next) throw malformed(`${this.what}: not in order of first use`);
    if (i === this.next) this.next++;
    return this.list[i]!;
  }
  checkAllUsed(): void {
    if (this.next !== this.list.length) throw malformed(`${this.what}: unused addresses`);
  }
}

/** Reads an entry of a leaf, resolving its indexes against the leaf's lists. */
export function readLeafEntry(
  value: BValue,
  what: string,
  blocks: FirstUse,
  extents: FirstUse,
): StoredEntry {
  const f = asDict(value, what);
  const c = readCommon(f);
  const b = optList(f, 'b', INLINE_BLOCKS_MAX).map((v, i) => {
    const [index, size] = pair(v, `${what}.b[${i}]`);
    return { address: blocks.take(index), size };
  });
  const e = optList(f, 'e', MAX_EXTENTS_PER_ENTRY).map((v) => extents.take(v));
  return finish(c, b, e, what);
}

/** The standalone form of an entry: bencode with `b` as [address, size] pairs. */
export function encodeEntry(entry: Entry): Uint8Array {
  checkEntry(entry);
  const fields = commonFields(entry);
  if (entry.blocks.length > 0) fields.b = entry.blocks.map((b) => [b.address, b.size]);
  return encode(fields);
}

export function decodeEntry(bytes: Uint8Array, maxBlocks = MAX_STANDALONE_BLOCKS): Entry {
  const f = asDict(decode(bytes), 'entry');
  const c = readCommon(f);
  const blocks = optList(f, 'b', maxBlocks).map((v, i) => {
    const [address, size] = pair(v, `entry.b[${i}]`);
    return { address: asBytes(address, `entry.b[${i}][0]`, ADDRESS_BYTES), size };
  });
  const e = finish(c, blocks, [], 'entry');
  return { ...c, blocks: e.blocks };
}

/** Same stored entry (block and extent lists compared by address). */
export function storedEquals(a: StoredEntry, b: StoredEntry): boolean {
  if (
    a.path !== b.path ||
    a.kind !== b.kind ||
    a.size !== b.size ||
    a.mtime !== b.mtime ||
    a.executable !== b.executable ||
    a.device !== b.device ||
    a.deleted !== b.deleted ||
    a.blocks.length !== b.blocks.length ||
    a.extents.length !== b.extents.length
  ) {
    return false;
  }
  for (let i = 0; i < a.blocks.length; i++) {
    const x = a.blocks[i]!;
    const y = b.blocks[i]!;
    if (x.size !== y.size || !bytesEqual(x.address, y.address)) return false;
  }
  for (let i = 0; i < a.extents.length; i++) {
    if (!bytesEqual(a.extents[i]!, b.extents[i]!)) return false;
  }
  const va = Object.keys(a.version).filter((d) => a.version[d]! > 0);
  const vb = Object.keys(b.version).filter((d) => b.version[d]! > 0);
  return va.length === vb.length && va.every((d) => a.version[d] === b.version[d]);
}
