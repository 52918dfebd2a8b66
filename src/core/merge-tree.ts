/**
 * Merge at the level of trees: the root of the folder that several heads describe together.
 * The per-path rules are mergeMaps's (merge.ts); this reads the trees and writes the result.
 *
 * Equal roots are merged once, and a single distinct root is returned as it is. Otherwise the
 * trees are read in full: merges happen only when writers were concurrent, and mergeMaps's
 * rules (conflict-copy names, directory clashes) look beyond the paths that differ.
 */
import { toHex } from './bytes';
import type { Entry } from './entry';
import { mergeMaps } from './merge';
import type { Address } from './objects';
import { buildTree, iterate, type TreeContext } from './tree';

export async function mergeTrees(ctx: TreeContext, roots: readonly Address[]): Promise<Address> {
  const distinct = [...new Map(roots.map((r) => [toHex(r), r])).values()];
  if (distinct.length === 0) return buildTree(ctx, []);
  if (distinct.length === 1) return distinct[0]!;
  const maps: Map<string, Entry>[] = [];
  for (const root of distinct) {
    const map = new Map<string, Entry>();
    for await (const entry of iterate(ctx, root)) map.set(entry.path, entry);
    maps.push(map);
  }
  return buildTree(ctx, mergeMaps(maps).values());
}
