/**
 * The index tree (DESIGN.md section 3): a sorted map `path -> entry` stored as a prolly tree /
 * Merkle search tree of sealed, content-addressed nodes. This comment is the specification
 * (docs/PROTOCOL.md copies it); tree-build.ts and tree-read.ts implement the algorithms.
 *
 * KEYS. From the share's read key rk:
 *   node seal keys = sealKeys(rk, 'node')                 (objects.ts, purpose "node")
 *   levelKey       = Derive(rk, "peerfold/v1/tree-level-key")
 * A path's height is read from h = H_levelKey("peerfold/v1/tree-level", 8, utf8(path)) as a
 * 64-bit big-endian number: height = floor(leadingZeroBits(h) / 5), 0..12 (fanout about 32).
 * Keyed, so a peer without the read key cannot tell where the tree splits.
 *
 * SHAPE. Paths sort by path.ts `comparePaths`. Level 0 items are the entries in path order.
 * Walking the items of level L in order, a level-L node starts at the first item and right
 * after every node end, and ends after an item that
 *   (a) has a key of height > L, or
 *   (b) brings the node's weight (below) to 65536 or more (forced split), or
 *   (c) is the last item of the level.
 * Level L+1 items are the level-L nodes in order, each as (last key, address). Levels are built
 * until a level has exactly one node: the root. So the root is a leaf or has at least 2
 * children, and the same set of entries always gives the same nodes (history independence).
 * The empty tree is one leaf with no entries.
 * Weight of an item (an upper bound of the bytes it adds to its node, so nodes stay well under
 * MAX_NODE_BYTES): a leaf entry weighs 128 + utf8 bytes of its path + 64 per inline block + 48
 * per extent + 40 per device in its version vector; a ref weighs 48 + utf8 bytes of its key.
 *
 * NODE. Canonical bencode of {b, c, l, v, x}:
 *   v  1
 *   l  the level: 0 for a leaf, >= 1 for an internal node, -1 for an extent
 *   c  list of 32-byte addresses, in the clear: an internal node's children; a leaf's extents
 *   b  list of 32-byte addresses, in the clear: the blocks a leaf's entries name inline, each
 *      once, in order of first use; an extent's blocks in file order (repeats kept)
 *   x  seal(node keys, bencode(secret))
 * secret of an internal node: { k: [last key of each child as utf8 path] } (one per c entry)
 * secret of a leaf: { e: [entry...] } with entry =
 *   { p: path, k: 'f' | 'd', s: size, m: mtime (ms, integer), x: 0 | 1 (executable),
 *     b: [[index into the leaf's b, plaintext size]...]   (inline blocks; omitted if none),
 *     e: [index into the leaf's c...]                      (extents; omitted if none),
 *     v: { deviceId: counter >= 1 }, d: deviceId, t: 1     (tombstone only; omitted otherwise) }
 *   A leaf's b and c lists are exactly the addresses its entries use, in order of first use.
 * secret of an extent: { s: [plaintext size of each block in b] }
 * A file with at most 128 blocks lists them inline; with more, its blocks are cut into extents:
 * an extent ends after a block whose address starts with a 0x00 byte (its first two bytes as a
 * big-endian uint16 are < 256: p = 1/256), or at 1024 blocks, or at the file's last block. So
 * an edit in a huge file rewrites one or two extents, never the whole list.
 * The address of a node is objectAddress(bytes), like a block's.
 *
 * LIMITS. A node is at most MAX_NODE_BYTES (256 KiB); each list in a node at most 4096 items;
 * l at most 64; an extent holds 1..1024 blocks; an entry at most 128 inline blocks, 2048
 * extents and 1024 devices; a block's plaintext size is 1..2^30; sizes, mtimes and counters
 * are safe integers. Unknown dictionary keys are ignored (docs/PROTOCOL.md section 1).
 *
 * VALIDATION (decodeNode in tree-decode.ts). A reader checks the size, the clear part (v = 1,
 * l, list lengths, 32-byte addresses, no blocks in an internal node, at least one child), that
 * the level is the one the parent implies (child of a level-L node: L - 1; a leaf's c: -1; a
 * root: >= 0), that the seal opens, that keys and entry paths are valid (validatePath),
 * strictly increasing, after the key before this subtree and ending exactly at the key the
 * parent gives for it; indexes in range and in order of first use, every address used once;
 * inline sizes adding up to s; no content in a directory or tombstone; device ids and counters
 * valid; an empty leaf only as the root; no block but the last of an extent ending it. Loading
 * an entry's extents checks they hold more than 128 blocks in all, that each one but the last
 * ends as the cut rule says, and that the sizes add up to s. Anything else is PeerfoldError
 * 'malformed' (or 'too-large', 'decrypt-failed', 'unsupported'), never another exception.
 * Objects read from a store are checked against their address first ('bad-address').
 * `nodeLinks` checks the clear part only and needs no key: Store peers replicate with it.
 */
import { decode, encode } from './bencode';
import { toHex, utf8 } from './bytes';
import { deriveKey, hash } from './crypto';
import type { BlockRef } from './entry';
import { PeerfoldError } from './errors';
import { ADDRESS_BYTES, seal, sealKeys, type Address, type SealKeys } from './objects';
import { asDict } from './schema';
import { leafEntryValue, type StoredEntry } from './tree-entry';

export const NODE_VERSION = 1;
export const MAX_NODE_BYTES = 256 * 1024;
/** A node ends once its items weigh this much (rule (b)). */
export const SPLIT_WEIGHT = 64 * 1024;
export const MAX_LEVEL = 64;
/** Items in one list of one node (honest nodes hold at most about 1400). */
export const MAX_NODE_ITEMS = 4096;
export const EXTENT_LEVEL = -1;
export const EXTENT_MAX_BLOCKS = 1024;

export interface TreeKeys {
  readonly seal: SealKeys;
  readonly levelKey: Uint8Array;
}

export function treeKeys(readKey: Uint8Array): TreeKeys {
  return {
    seal: sealKeys(readKey, 'node'),
    levelKey: deriveKey(readKey, 'peerfold/v1/tree-level-key'),
  };
}

/** The height of a key: rule (a) ends a level-L node after a key of height > L. */
export function keyHeight(keys: TreeKeys, path: string): number {
  const h = hash('peerfold/v1/tree-level', 8, [utf8(path)], keys.levelKey);
  let zeros = 0;
  for (const byte of h) {
    if (byte === 0) {
      zeros += 8;
      continue;
    }
    zeros += Math.clz32(byte) - 24;
    break;
  }
  return Math.floor(zeros / 5);
}

/** An extent ends after a block whose address starts with 0x00 (uint16 prefix < 256). */
export function endsExtent(address: Address): boolean {
  return address[0] === 0;
}

/** A child of an internal node: the last key of its subtree and its address. */
export interface Ref {
  readonly key: string;
  readonly address: Address;
}

export interface NodeLinks {
  readonly level: number;
  readonly children: Address[];
  readonly blocks: Address[];
}

const malformed = (why: string): PeerfoldError => new PeerfoldError('malformed', why);

/** The clear part of a node, checked, and its sealed part (for tree-decode.ts). */
export interface Clear extends NodeLinks {
  readonly sealed: Uint8Array;
}

export function readClear(bytes: Uint8Array): Clear {
  if (bytes.length > MAX_NODE_BYTES) {
    throw new PeerfoldError(
      'too-large',
      `node of ${bytes.length} bytes, at most ${MAX_NODE_BYTES}`,
    );
  }
  const f = asDict(decode(bytes), 'node');
  const v = f.int('v', 0);
  if (v !== NODE_VERSION) throw new PeerfoldError('unsupported', `node version ${v}`);
  const level = f.int('l', EXTENT_LEVEL, MAX_LEVEL);
  const children = f.byteList('c', MAX_NODE_ITEMS, ADDRESS_BYTES);
  const blocks = f.byteList('b', MAX_NODE_ITEMS, ADDRESS_BYTES);
  const sealed = f.bytes('x');
  if (level === EXTENT_LEVEL) {
    if (children.length > 0) throw malformed('extent node with children');
    if (blocks.length === 0 || blocks.length > EXTENT_MAX_BLOCKS) {
      throw malformed(`extent node of ${blocks.length} blocks`);
    }
  } else if (level > 0) {
    if (blocks.length > 0) throw malformed('internal node with blocks');
    if (children.length === 0) throw malformed('internal node without children');
  }
  return { level, children, blocks, sealed };
}

/** The clear links of a node, checked, without any key: what a Store peer replicates. */
export function nodeLinks(bytes: Uint8Array): NodeLinks {
  const { level, children, blocks } = readClear(bytes);
  return { level, children, blocks };
}

function finishNode(
  keys: TreeKeys,
  level: number,
  c: Address[],
  b: Address[],
  secret: Uint8Array,
): Uint8Array {
  const bytes = encode({ v: NODE_VERSION, l: level, c, b, x: seal(keys.seal, secret) });
  if (bytes.length > MAX_NODE_BYTES) {
    throw new PeerfoldError(
      'too-large',
      `node of ${bytes.length} bytes, at most ${MAX_NODE_BYTES}`,
    );
  }
  return bytes;
}

/** Indexes of addresses in order of first use. */
class AddressList {
  readonly list: Address[] = [];
  private readonly index = new Map<string, number>();
  indexOf = (a: Address): number => {
    const hex = toHex(a);
    let i = this.index.get(hex);
    if (i === undefined) {
      i = this.list.length;
      this.index.set(hex, i);
      this.list.push(a);
    }
    return i;
  };
}

export function encodeLeaf(keys: TreeKeys, entries: readonly StoredEntry[]): Uint8Array {
  const blocks = new AddressList();
  const extents = new AddressList();
  const e = entries.map((x) => leafEntryValue(x, blocks.indexOf, extents.indexOf));
  return finishNode(keys, 0, extents.list, blocks.list, encode({ e }));
}

export function encodeInternal(keys: TreeKeys, level: number, refs: readonly Ref[]): Uint8Array {
  const k = refs.map((r) => utf8(r.key));
  const c = refs.map((r) => r.address);
  return finishNode(keys, level, c, [], encode({ k }));
}

export function encodeExtent(keys: TreeKeys, blocks: readonly BlockRef[]): Uint8Array {
  const s = blocks.map((b) => b.size);
  return finishNode(
    keys,
    EXTENT_LEVEL,
    [],
    blocks.map((b) => b.address),
    encode({ s }),
  );
}
