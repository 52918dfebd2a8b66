/**
 * Building and updating the index tree (shape rules in tree-node.ts).
 *
 * BUILDER. A streaming builder keeps, per level, the items of the node being filled. An item
 * added at level L joins that node; if it ends the node (rule (a) or (b)), the node is encoded,
 * written, and its ref (last key, address) is added at level L + 1, which may end a node there.
 * `finish` ends the open node of each level from the bottom up (rule (c)) until only the top
 * level holds items: with two or more (or at level 0) they are the root; with one ref, the root
 * is that child, descending while a node has exactly one child (a canonical root never has one).
 * Internal nodes with one child are held back until `finish` knows they are below the root, so
 * nothing above the root is ever written.
 *
 * UPDATE. `updateTree` walks the old tree in key order together with the sorted mutations.
 * Child i of a node covers the keys (key of child i - 1, key of child i]; the first child starts
 * where its parent starts and the last child extends to where its parent ends (the right edge of
 * the tree extends to +infinity). A child subtree of level L is reused (its ref added at level
 * L + 1 without reading it) when no mutation falls in its range and the builder holds no items
 * at levels 0..L: then the builder is at a node start at every level the subtree spans, exactly
 * as a full build would be there, and the subtree's nodes are the ones a full build would make.
 * Otherwise the walk descends; a leaf's entries are merged with the mutations in its range and
 * added at level 0. The result is the root of a full build of the new entry set, at a cost of
 * O(changes * log n) nodes read and written.
 */
import { toHex } from './bytes';
import type { Entry } from './entry';
import { PeerfoldError } from './errors';
import { objectAddress, type Address } from './objects';
import { comparePaths, utf8Length } from './path';
import type { DecodedNode } from './tree-decode';
import { entryWeight, type StoredEntry } from './tree-entry';
import { readNode, readObject, storeEntry, writeNode, type TreeContext } from './tree-io';
import {
  encodeInternal,
  encodeLeaf,
  keyHeight,
  nodeLinks,
  SPLIT_WEIGHT,
  type Ref,
} from './tree-node';

export interface Mutation {
  readonly path: string;
  /** The new entry (its path must be `path`), or null to remove the path from the index. */
  readonly entry: Entry | null;
}

interface Pending {
  readonly key: string;
  readonly height: number;
  readonly entry?: StoredEntry;
  readonly ref?: Ref;
}

interface Level {
  items: Pending[];
  weight: number;
}

class Builder {
  private readonly levels: Level[] = [];
  /** Internal nodes with one child, not yet written: they may turn out to be above the root. */
  private readonly held = new Map<string, { bytes: Uint8Array; child: Address }>();
  /** Nodes this builder wrote: none of them has a single child. */
  private readonly built = new Set<string>();

  constructor(private readonly ctx: TreeContext) {}

  /** True when no level 0..level holds an item: a subtree of that level can be reused. */
  emptyUpTo(level: number): boolean {
    for (let l = 0; l <= level && l < this.levels.length; l++) {
      if (this.levels[l]!.items.length > 0) return false;
    }
    return true;
  }

  addEntry(entry: StoredEntry): Promise<void> {
    const weight = entryWeight(entry, utf8Length(entry.path));
    return this.add(
      0,
      { key: entry.path, height: keyHeight(this.ctx.keys, entry.path), entry },
      weight,
    );
  }

  /** Adds a ref to a level-(level - 1) node at `level`. */
  addRef(level: number, ref: Ref, height = keyHeight(this.ctx.keys, ref.key)): Promise<void> {
    return this.add(level, { key: ref.key, height, ref }, 48 + utf8Length(ref.key));
  }

  private async add(level: number, item: Pending, weight: number): Promise<void> {
    while (this.levels.length <= level) this.levels.push({ items: [], weight: 0 });
    const l = this.levels[level]!;
    l.items.push(item);
    l.weight += weight;
    if (item.height > level || l.weight >= SPLIT_WEIGHT) await this.close(level);
  }

  private encode(level: number, items: readonly Pending[]): Uint8Array {
    return level === 0
      ? encodeLeaf(
          this.ctx.keys,
          items.map((i) => i.entry!),
        )
      : encodeInternal(
          this.ctx.keys,
          level,
          items.map((i) => i.ref!),
        );
  }

  private async write(bytes: Uint8Array): Promise<Address> {
    const address = await writeNode(this.ctx, bytes);
    this.built.add(toHex(address));
    return address;
  }

  private async close(level: number): Promise<void> {
    const l = this.levels[level]!;
    const items = l.items;
    l.items = [];
    l.weight = 0;
    const bytes = this.encode(level, items);
    let address: Address;
    if (level > 0 && items.length === 1) {
      address = objectAddress(bytes);
      this.held.set(toHex(address), { bytes, child: items[0]!.ref!.address });
    } else {
      address = await this.write(bytes);
    }
    const last = items[items.length - 1]!;
    await this.addRef(level + 1, { key: last.key, address }, last.height);
  }

  private top(): number {
    for (let l = this.levels.length - 1; l >= 0; l--) {
      if (this.levels[l]!.items.length > 0) return l;
    }
    return -1;
  }

  async finish(): Promise<Address> {
    for (let l = 0; l < this.top(); l++) {
      if (this.levels[l]!.items.length > 0) await this.close(l);
    }
    const top = this.top();
    let root: Address;
    if (top < 0) {
      root = await this.write(encodeLeaf(this.ctx.keys, []));
    } else {
      const items = this.levels[top]!.items;
      root =
        top === 0 || items.length > 1
          ? await this.write(this.encode(top, items))
          : await this.collapse(items[0]!.ref!.address);
    }
    for (const { bytes } of this.held.values()) await this.write(bytes);
    this.held.clear();
    return root;
  }

  /** Descends from `address` while the node has a single child: the root has two or more. */
  private async collapse(address: Address): Promise<Address> {
    for (;;) {
      const hex = toHex(address);
      const held = this.held.get(hex);
      if (held) {
        this.held.delete(hex);
        address = held.child;
        continue;
      }
      if (this.built.has(hex)) return address;
      const links = nodeLinks(await readObject(this.ctx.store, address));
      if (links.level <= 0 || links.children.length !== 1) return address;
      address = links.children[0]!;
    }
  }
}

/** The root of a tree holding exactly `entries` (paths unique). */
export async function buildTree(ctx: TreeContext, entries: Iterable<Entry>): Promise<Address> {
  const sorted = [...entries].sort((a, b) => comparePaths(a.path, b.path));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i - 1]!.path === sorted[i]!.path) {
      throw new PeerfoldError('malformed', `two entries for ${JSON.stringify(sorted[i]!.path)}`);
    }
  }
  const builder = new Builder(ctx);
  for (const e of sorted) await builder.addEntry(await storeEntry(ctx, e));
  return builder.finish();
}

interface StoredMutation {
  readonly path: string;
  readonly entry: StoredEntry | null;
}

/** Sorted, one per path (the last one given wins), entries checked and extents written. */
async function prepare(
  ctx: TreeContext,
  mutations: readonly Mutation[],
): Promise<StoredMutation[]> {
  const byPath = new Map<string, Mutation>();
  for (const m of mutations) {
    if (m.entry && m.entry.path !== m.path) {
      throw new PeerfoldError(
        'malformed',
        `mutation of ${JSON.stringify(m.path)} holds another path`,
      );
    }
    byPath.set(m.path, m);
  }
  const sorted = [...byPath.values()].sort((a, b) => comparePaths(a.path, b.path));
  const out: StoredMutation[] = [];
  for (const m of sorted) {
    out.push({ path: m.path, entry: m.entry ? await storeEntry(ctx, m.entry) : null });
  }
  return out;
}

/**
 * The root of the tree `root` with `mutations` applied (for one path, the last mutation given
 * wins). Same result as `buildTree` of the resulting entries.
 */
export async function updateTree(
  ctx: TreeContext,
  root: Address,
  mutations: readonly Mutation[],
): Promise<Address> {
  if (mutations.length === 0) return root;
  const muts = await prepare(ctx, mutations);
  const builder = new Builder(ctx);
  let m = 0;
  /** A mutation not yet applied lies at or before `hi` (undefined: +infinity). */
  const mutationUpTo = (hi: string | undefined): boolean =>
    m < muts.length && (hi === undefined || comparePaths(muts[m]!.path, hi) <= 0);

  const addMutation = async (mut: StoredMutation): Promise<void> => {
    if (mut.entry) await builder.addEntry(mut.entry);
  };

  const visit = async (
    node: DecodedNode,
    after: string | undefined,
    hi: string | undefined,
  ): Promise<void> => {
    if (node.kind === 'leaf') {
      for (const e of node.entries) {
        while (m < muts.length && comparePaths(muts[m]!.path, e.path) < 0)
          await addMutation(muts[m++]!);
        if (m < muts.length && muts[m]!.path === e.path) await addMutation(muts[m++]!);
        else await builder.addEntry(e);
      }
      while (mutationUpTo(hi)) await addMutation(muts[m++]!);
      return;
    }
    if (node.kind !== 'internal')
      throw new PeerfoldError('malformed', 'extent where a node belongs');
    const { children, level } = node;
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      const childAfter = i === 0 ? after : children[i - 1]!.key;
      const childHi = i === children.length - 1 ? hi : child.key;
      if (builder.emptyUpTo(level - 1) && !mutationUpTo(childHi)) {
        await builder.addRef(level, child);
      } else {
        const expect = { level: level - 1, after: childAfter, last: child.key };
        await visit(await readNode(ctx, child.address, expect), childAfter, childHi);
      }
    }
  };

  await visit(await readNode(ctx, root), undefined, undefined);
  return builder.finish();
}
