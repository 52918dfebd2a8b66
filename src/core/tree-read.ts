/**
 * Reading the index tree: lookup, iteration in path order, diff of two trees (walking only
 * where addresses differ), and the list of reachable objects for replication (no key needed).
 */
import { bytesEqual, toHex } from './bytes';
import type { Entry } from './entry';
import { PeerfoldError } from './errors';
import type { Address } from './objects';
import { comparePaths } from './path';
import type { ObjectStore } from './ports';
import { storedEquals, type StoredEntry } from './tree-entry';
import { loadEntry, readNode, readObject, type TreeContext } from './tree-io';
import type { NodeExpect } from './tree-decode';
import { EXTENT_LEVEL, nodeLinks } from './tree-node';

/** The entry at `path`, or undefined. Reads one node per level. */
export async function lookup(
  ctx: TreeContext,
  root: Address,
  path: string,
): Promise<Entry | undefined> {
  let node = await readNode(ctx, root);
  for (;;) {
    if (node.kind === 'leaf') {
      const entries = node.entries;
      const e = entries[search(entries.length, (i) => entries[i]!.path, path)];
      return e && e.path === path ? loadEntry(ctx, e) : undefined;
    }
    if (node.kind !== 'internal') throw new PeerfoldError('malformed', 'extent in the tree');
    const { children, level } = node;
    const i = search(children.length, (k) => children[k]!.key, path);
    const child = children[i];
    if (!child) return undefined;
    node = await readNode(ctx, child.address, {
      level: level - 1,
      after: i > 0 ? children[i - 1]!.key : undefined,
      last: child.key,
    });
  }
}

/** The first index whose key is >= `path` (n if none). */
function search(n: number, keyAt: (i: number) => string, path: string): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePaths(keyAt(mid), path) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Every entry, in path order; with `under` (a directory path, '' for all), only the entries
 * below it, reading only the nodes whose key range reaches them.
 */
export async function* iterate(ctx: TreeContext, root: Address, under = ''): AsyncGenerator<Entry> {
  const range = under === '' ? undefined : `${under}/`;
  for await (const e of iterateStored(ctx, root, range)) yield await loadEntry(ctx, e);
}

/** Whether `path` sorts after every path starting with `prefix` ('/' sorts first: they are contiguous). */
const pastPrefix = (path: string, prefix: string): boolean =>
  comparePaths(path, prefix) > 0 && !path.startsWith(prefix);

/** Whether a node whose paths sort in (after, last] can hold a path starting with `prefix`. */
const mayHold = (prefix: string, after: string | undefined, last: string): boolean =>
  comparePaths(last, prefix) >= 0 && (after === undefined || !pastPrefix(after, prefix));

/**
 * Whether some entry's path starts with one of `prefixes`. One walk for all of them: each node
 * is read at most once, and only if its key range could hold a path with one of the prefixes
 * (a check per prefix would read the tree from its root each time).
 */
export async function hasAnyPrefix(
  ctx: TreeContext,
  root: Address,
  prefixes: readonly string[],
): Promise<boolean> {
  const walk = async (
    address: Address,
    expect: NodeExpect | undefined,
    candidates: readonly string[],
  ): Promise<boolean> => {
    const node = await readNode(ctx, address, expect);
    if (node.kind === 'leaf') {
      return node.entries.some((e) => candidates.some((p) => e.path.startsWith(p)));
    }
    if (node.kind !== 'internal') return false;
    const { children, level } = node;
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      const after = i > 0 ? children[i - 1]!.key : expect?.after;
      const here = candidates.filter((p) => mayHold(p, after, c.key));
      const childExpect = { level: level - 1, after, last: c.key };
      if (here.length > 0 && (await walk(c.address, childExpect, here))) return true;
    }
    return false;
  };
  return prefixes.length > 0 && walk(root, undefined, prefixes);
}

async function* iterateStored(
  ctx: TreeContext,
  address: Address,
  prefix: string | undefined,
  expect?: NodeExpect,
): AsyncGenerator<StoredEntry> {
  const node = await readNode(ctx, address, expect);
  if (node.kind === 'leaf') {
    for (const e of node.entries) if (prefix === undefined || e.path.startsWith(prefix)) yield e;
  } else if (node.kind === 'internal') {
    const { children, level } = node;
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      const after = i > 0 ? children[i - 1]!.key : expect?.after;
      if (prefix !== undefined) {
        if (after !== undefined && pastPrefix(after, prefix)) return; // the rest sorts later
        if (comparePaths(c.key, prefix) < 0) continue; // all of it sorts before the prefix
      }
      yield* iterateStored(ctx, c.address, prefix, { level: level - 1, after, last: c.key });
    }
  }
}

export interface TreeChange {
  readonly path: string;
  /** The entry in the first tree; absent if the path was added. */
  readonly before?: Entry;
  /** The entry in the second tree; absent if the path was removed. */
  readonly after?: Entry;
}

interface NodeCursor {
  readonly node: Address;
  readonly expect: NodeExpect | undefined;
}
type Cursor = NodeCursor | { readonly entry: StoredEntry };

/** Level of a cursor: entries count below every node. */
function levelOf(c: Cursor): number {
  if ('entry' in c) return -1;
  return c.expect ? c.expect.level : Number.MAX_SAFE_INTEGER;
}

/**
 * The paths whose entries differ between tree `a` and tree `b`, in path order. Subtrees with
 * equal addresses at the same place are skipped unread; of two different subtrees the higher
 * one is opened first, so the two sides line up again as soon as they can.
 */
export async function* diffTrees(
  ctx: TreeContext,
  a: Address,
  b: Address,
): AsyncGenerator<TreeChange> {
  // stacks: the next item of each side is the last element
  const sa: Cursor[] = [{ node: a, expect: undefined }];
  const sb: Cursor[] = [{ node: b, expect: undefined }];
  const expand = async (stack: Cursor[]): Promise<void> => {
    const c = stack.pop() as NodeCursor;
    const node = await readNode(ctx, c.node, c.expect);
    if (node.kind === 'leaf') {
      for (let i = node.entries.length - 1; i >= 0; i--) stack.push({ entry: node.entries[i]! });
    } else if (node.kind === 'internal') {
      const { children, level } = node;
      for (let i = children.length - 1; i >= 0; i--) {
        const after = i > 0 ? children[i - 1]!.key : c.expect?.after;
        const expect = { level: level - 1, after, last: children[i]!.key };
        stack.push({ node: children[i]!.address, expect });
      }
    }
  };
  const removed = async (e: StoredEntry): Promise<TreeChange> => {
    sa.pop();
    return { path: e.path, before: await loadEntry(ctx, e) };
  };
  const added = async (e: StoredEntry): Promise<TreeChange> => {
    sb.pop();
    return { path: e.path, after: await loadEntry(ctx, e) };
  };
  /** An entry that sorts at or before every key of a node's range is not on the other side. */
  const before = (e: StoredEntry, c: NodeCursor): boolean =>
    c.expect?.after !== undefined && comparePaths(e.path, c.expect.after) <= 0;
  for (;;) {
    const x = sa[sa.length - 1];
    const y = sb[sb.length - 1];
    if (!x) {
      if (!y) return;
      if ('entry' in y) yield await added(y.entry);
      else await expand(sb);
    } else if (!y) {
      if ('entry' in x) yield await removed(x.entry);
      else await expand(sa);
    } else if ('entry' in x && 'entry' in y) {
      const order = comparePaths(x.entry.path, y.entry.path);
      if (order < 0) yield await removed(x.entry);
      else if (order > 0) yield await added(y.entry);
      else {
        sa.pop();
        sb.pop();
        if (!storedEquals(x.entry, y.entry)) {
          const b = await loadEntry(ctx, x.entry);
          yield { path: x.entry.path, before: b, after: await loadEntry(ctx, y.entry) };
        }
      }
    } else if ('entry' in x) {
      if (before(x.entry, y as NodeCursor)) yield await removed(x.entry);
      else await expand(sb);
    } else if ('entry' in y) {
      if (before(y.entry, x)) yield await added(y.entry);
      else await expand(sa);
    } else if (bytesEqual(x.node, y.node)) {
      sa.pop();
      sb.pop();
    } else {
      const lx = levelOf(x);
      const ly = levelOf(y);
      if (lx >= ly) await expand(sa);
      if (ly >= lx) await expand(sb);
    }
  }
}

export interface Reachable {
  readonly address: Address;
  readonly kind: 'node' | 'block';
}

/**
 * Every object reachable from `root`, each once, nodes before what they name, using only the
 * clear links (no read key: a Store peer lists what to replicate). Objects are checked against
 * their addresses; a node or block that is not stored is a 'missing' error (blocks only if
 * `checkBlocks`, the default).
 */
export async function* reachable(
  store: ObjectStore,
  root: Address,
  { checkBlocks = true }: { checkBlocks?: boolean } = {},
): AsyncGenerator<Reachable> {
  const seen = new Set<string>([toHex(root)]);
  const stack: { address: Address; level: number | undefined }[] = [
    { address: root, level: undefined },
  ];
  while (stack.length > 0) {
    const { address, level } = stack.pop()!;
    const links = nodeLinks(await readObject(store, address));
    if (level === undefined ? links.level < 0 : links.level !== level) {
      throw new PeerfoldError(
        'malformed',
        `node of level ${links.level} where ${level ?? 'a root'} belongs`,
      );
    }
    yield { address, kind: 'node' };
    for (const block of links.blocks) {
      const hex = toHex(block);
      if (seen.has(hex)) continue;
      seen.add(hex);
      if (checkBlocks && !(await store.has(block))) {
        throw new PeerfoldError('missing', `block ${hex} is not stored`);
      }
      yield { address: block, kind: 'block' };
    }
    const childLevel = links.level === 0 ? EXTENT_LEVEL : links.level - 1;
    for (let i = links.children.length - 1; i >= 0; i--) {
      const child = links.children[i]!;
      const hex = toHex(child);
      if (seen.has(hex)) continue;
      seen.add(hex);
      stack.push({ address: child, level: childLevel });
    }
  }
}
