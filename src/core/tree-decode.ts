/**
 * Decoding index nodes with the read key, checking everything tree-node.ts specifies under
 * VALIDATION. Every failure is a typed PeerfoldError.
 */
import { decode, type BValue } from './bencode';
import { fromUtf8, toHex } from './bytes';
import type { BlockRef } from './entry';
import { isPeerfoldError, PeerfoldError } from './errors';
import { open, type Address } from './objects';
import { comparePaths, MAX_PATH_BYTES, validatePath } from './path';
import { asBytes, asDict, asInt } from './schema';
import { FirstUse, MAX_BLOCK_SIZE, readLeafEntry, type StoredEntry } from './tree-entry';
import {
  endsExtent,
  EXTENT_LEVEL,
  EXTENT_MAX_BLOCKS,
  MAX_NODE_ITEMS,
  readClear,
  type Ref,
  type TreeKeys,
} from './tree-node';

export type DecodedNode =
  | { readonly kind: 'leaf'; readonly level: 0; readonly entries: StoredEntry[] }
  | { readonly kind: 'internal'; readonly level: number; readonly children: Ref[] }
  | { readonly kind: 'extent'; readonly level: -1; readonly blocks: BlockRef[] };

/** What the parent says of a node: its level and, for level >= 0, its key range. */
export interface NodeExpect {
  readonly level: number;
  /** Every key is greater than this (the previous sibling's last key); none: no bound. */
  readonly after?: string;
  /** The last key is exactly this. */
  readonly last?: string;
}

const malformed = (why: string): PeerfoldError => new PeerfoldError('malformed', why);

function readKeyPath(v: BValue, what: string): string {
  const b = asBytes(v, what);
  if (b.length > MAX_PATH_BYTES) throw malformed(`${what}: longer than ${MAX_PATH_BYTES} bytes`);
  try {
    return validatePath(fromUtf8(b));
  } catch (e) {
    if (isPeerfoldError(e, 'bad-path')) throw malformed(`${what}: ${e.message}`);
    throw e;
  }
}

/** Checks that `keys` increase strictly and fit the range the parent gives. */
function checkKeys(keys: readonly string[], expect: NodeExpect | undefined, what: string): void {
  for (let i = 1; i < keys.length; i++) {
    if (comparePaths(keys[i - 1]!, keys[i]!) >= 0) throw malformed(`${what}: keys out of order`);
  }
  if (!expect) return;
  const first = keys[0];
  const last = keys[keys.length - 1];
  if (first === undefined || last === undefined) throw malformed(`${what}: empty below the root`);
  if (expect.after !== undefined && comparePaths(first, expect.after) <= 0) {
    throw malformed(`${what}: a key before the subtree's range`);
  }
  if (expect.last !== undefined && last !== expect.last) {
    throw malformed(`${what}: last key is not the one the parent gives`);
  }
}

/**
 * Decodes and checks a node. `expect` is what the parent says of it; leave it out for a root.
 * A node of another kind than expected, or broken in any way, is a typed error.
 */
export function decodeNode(keys: TreeKeys, bytes: Uint8Array, expect?: NodeExpect): DecodedNode {
  const clear = readClear(bytes);
  const { level } = clear;
  if (expect ? level !== expect.level : level < 0) {
    throw malformed(`node of level ${level} where ${expect ? expect.level : 'a root'} belongs`);
  }
  const secret = asDict(decode(open(keys.seal, clear.sealed)), 'node.x');
  if (level === EXTENT_LEVEL) {
    const sizes = secret.list('s', EXTENT_MAX_BLOCKS);
    if (sizes.length !== clear.blocks.length) throw malformed('extent: sizes do not match b');
    const blocks = clear.blocks.map((address, i) => {
      if (i < clear.blocks.length - 1 && endsExtent(address)) {
        throw malformed('extent: continues past a block that ends it');
      }
      return { address, size: asInt(sizes[i], `extent.s[${i}]`, 1, MAX_BLOCK_SIZE) };
    });
    return { kind: 'extent', level: EXTENT_LEVEL, blocks };
  }
  if (level > 0) {
    const list = secret.list('k', MAX_NODE_ITEMS);
    if (list.length !== clear.children.length) throw malformed('node: keys do not match c');
    const keyList = list.map((v, i) => readKeyPath(v, `node.k[${i}]`));
    checkKeys(keyList, expect, 'node');
    const children = keyList.map((key, i) => ({ key, address: clear.children[i]! }));
    return { kind: 'internal', level, children };
  }
  const blockUse = new FirstUse(clear.blocks, 'leaf.b index');
  const extentUse = new FirstUse(clear.children, 'leaf.e index');
  const entries = secret
    .list('e', MAX_NODE_ITEMS)
    .map((v, i) => readLeafEntry(v, `leaf.e[${i}]`, blockUse, extentUse));
  blockUse.checkAllUsed();
  extentUse.checkAllUsed();
  checkUnique(clear.blocks, 'leaf.b');
  checkUnique(clear.children, 'leaf.c');
  checkKeys(
    entries.map((e) => e.path),
    expect,
    'leaf',
  );
  return { kind: 'leaf', level: 0, entries };
}

function checkUnique(list: readonly Address[], what: string): void {
  const seen = new Set<string>();
  for (const a of list) seen.add(toHex(a));
  if (seen.size !== list.length) throw malformed(`${what}: repeated address`);
}
