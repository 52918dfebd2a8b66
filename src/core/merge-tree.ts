/**
 * Merge at the level of trees: the root of the folder that several heads describe together.
 * The per-path rules are mergeMaps's (merge.ts); this reads the trees and writes the result.
 *
 * Equal roots are merged once, and a single distinct root is returned as it is. Two roots where
 * one has seen everything the other holds merge to that one, found by a diff that reads only
 * where the trees differ: the common case (a local edit on top of the last head, a head that
 * extends what a receiver holds, however many files it adds) then costs no full read of either
 * tree and writes no node. "Seen everything": at every path where they differ, it has an entry
 * covering the other's (or the other has none), and no conflict copy of that path exists in
 * either tree, so each family mergeMaps would form there has that one survivor, placed where it
 * is. Otherwise the trees are read in full: mergeMaps's rules (conflict-copy names, directory
 * clashes) look beyond the paths that differ.
 */
import { toHex } from './bytes';
import { conflictPrefix, isConflictPath } from './conflict';
import type { Entry } from './entry';
import { covers, mergeMaps } from './merge';
import type { Address } from './objects';
import { buildTree, diffTrees, hasAnyPrefix, iterate, type TreeContext } from './tree';

export async function mergeTrees(ctx: TreeContext, roots: readonly Address[]): Promise<Address> {
  const distinct = [...new Map(roots.map((r) => [toHex(r), r])).values()];
  if (distinct.length === 0) return buildTree(ctx, []);
  if (distinct.length === 1) return distinct[0]!;
  if (distinct.length === 2) {
    const [a, b] = distinct as [Address, Address];
    if (await hasSeenAll(ctx, a, b)) return a;
    if (await hasSeenAll(ctx, b, a)) return b;
  }
  const maps: Map<string, Entry>[] = [];
  for (const root of distinct) {
    const map = new Map<string, Entry>();
    for await (const entry of iterate(ctx, root)) map.set(entry.path, entry);
    maps.push(map);
  }
  return buildTree(ctx, mergeMaps(maps).values());
}

/**
 * Whether merging `a` with `b` gives `a` back (see the file comment). The diff is checked first
 * and the conflict copies after it, in one walk of each tree for all differing paths, so a diff
 * that fails costs no search for copies.
 */
async function hasSeenAll(ctx: TreeContext, a: Address, b: Address): Promise<boolean> {
  const copies: string[] = [];
  for await (const { path, before, after } of diffTrees(ctx, a, b)) {
    // `a`'s entry must cover `b`'s and not be covered by it (versions covering each other break
    // the protocol; mergeMaps keeps neither, and the result must not depend on root order).
    if (!before || (after && (!covers(before, after) || covers(after, before)))) return false;
    if (isConflictPath(path)) return false;
    copies.push(conflictPrefix(path));
  }
  return !(await hasAnyPrefix(ctx, a, copies)) && !(await hasAnyPrefix(ctx, b, copies));
}
