/**
 * Reading and writing tree objects: nodes checked against their address and decoded, entries
 * moved between their full form (Entry) and the form a leaf holds (StoredEntry, with extents).
 */
import { toHex } from './bytes';
import type { BlockRef, Entry } from './entry';
import { PeerfoldError } from './errors';
import { matchesAddress, objectAddress, type Address } from './objects';
import type { ObjectStore } from './ports';
import {
  checkEntry,
  INLINE_BLOCKS_MAX,
  MAX_EXTENTS_PER_ENTRY,
  type StoredEntry,
} from './tree-entry';
import { decodeNode, type DecodedNode, type NodeExpect } from './tree-decode';
import {
  encodeExtent,
  endsExtent,
  EXTENT_LEVEL,
  EXTENT_MAX_BLOCKS,
  type TreeKeys,
} from './tree-node';

/** Counters a caller may pass in to see the work done (tests and benchmarks). */
export interface TreeStats {
  nodesRead: number;
  nodesWritten: number;
  bytesWritten: number;
}

export interface TreeContext {
  readonly store: ObjectStore;
  readonly keys: TreeKeys;
  readonly stats?: TreeStats;
}

export function newStats(): TreeStats {
  return { nodesRead: 0, nodesWritten: 0, bytesWritten: 0 };
}

/**
 * The stored bytes of an object, checked against its address. A node's decoded addresses are
 * views into them and may be kept long, so bytes that are a small part of a larger buffer (a
 * pack store's read-ahead window, pack-read-ahead.ts) are copied out first.
 */
export async function readObject(store: ObjectStore, address: Address): Promise<Uint8Array> {
  const got = await store.get(address);
  if (!got) throw new PeerfoldError('missing', `object ${toHex(address)} is not stored`);
  const bytes = got.buffer.byteLength >= 2 * got.byteLength ? got.slice() : got;
  if (!matchesAddress(address, bytes)) {
    throw new PeerfoldError('bad-address', `stored object ${toHex(address)} is damaged`);
  }
  return bytes;
}

export async function readNode(
  ctx: TreeContext,
  address: Address,
  expect?: NodeExpect,
): Promise<DecodedNode> {
  const bytes = await readObject(ctx.store, address);
  if (ctx.stats) ctx.stats.nodesRead++;
  return decodeNode(ctx.keys, bytes, expect);
}

export async function writeNode(ctx: TreeContext, bytes: Uint8Array): Promise<Address> {
  const address = objectAddress(bytes);
  await ctx.store.put(address, bytes);
  if (ctx.stats) {
    ctx.stats.nodesWritten++;
    ctx.stats.bytesWritten += bytes.length;
  }
  return address;
}

/** Cuts a block list into extents (tree-node.ts: after a 0x00-led address, or at 1024). */
export function splitExtents(blocks: readonly BlockRef[]): BlockRef[][] {
  const out: BlockRef[][] = [];
  let current: BlockRef[] = [];
  for (const b of blocks) {
    current.push(b);
    if (endsExtent(b.address) || current.length === EXTENT_MAX_BLOCKS) {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The leaf form of an entry; a file of more than 128 blocks gets its extents written. */
export async function storeEntry(ctx: TreeContext, entry: Entry): Promise<StoredEntry> {
  checkEntry(entry);
  const { blocks, ...rest } = entry;
  if (blocks.length <= INLINE_BLOCKS_MAX) return { ...rest, blocks, extents: [] };
  const groups = splitExtents(blocks);
  if (groups.length > MAX_EXTENTS_PER_ENTRY) {
    throw new PeerfoldError(
      'too-large',
      `${entry.path}: ${groups.length} extents, at most ${MAX_EXTENTS_PER_ENTRY}`,
    );
  }
  const extents: Address[] = [];
  for (const g of groups) extents.push(await writeNode(ctx, encodeExtent(ctx.keys, g)));
  return { ...rest, blocks: [], extents };
}

/** The full entry: extents read, checked (canonical cuts, sizes) and joined. */
export async function loadEntry(ctx: TreeContext, stored: StoredEntry): Promise<Entry> {
  const { extents, ...rest } = stored;
  if (extents.length === 0) return { ...rest, blocks: stored.blocks };
  const blocks: BlockRef[] = [];
  const what = `entry ${JSON.stringify(stored.path)}`;
  for (let i = 0; i < extents.length; i++) {
    const node = await readNode(ctx, extents[i]!, { level: EXTENT_LEVEL });
    if (node.kind !== 'extent') throw new PeerfoldError('malformed', `${what}: not an extent`);
    const last = node.blocks[node.blocks.length - 1]!;
    if (
      i < extents.length - 1 &&
      !endsExtent(last.address) &&
      node.blocks.length < EXTENT_MAX_BLOCKS
    ) {
      throw new PeerfoldError('malformed', `${what}: extent ${i} ends too early`);
    }
    blocks.push(...node.blocks);
  }
  if (blocks.length <= INLINE_BLOCKS_MAX) {
    throw new PeerfoldError('malformed', `${what}: ${blocks.length} blocks belong inline`);
  }
  let sum = 0;
  for (const b of blocks) sum += b.size;
  if (sum !== stored.size) {
    throw new PeerfoldError('malformed', `${what}: size ${stored.size} is not the sum of blocks`);
  }
  return { ...rest, blocks };
}
