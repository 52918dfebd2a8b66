/**
 * Merge (DESIGN.md section 3): the folder that several heads describe together. Pure, and
 * deterministic: the result depends only on the set of input maps, never on their order.
 *
 * Definitions.
 * - The *dot* of an entry is `(device, version[device])`: the write that made it.
 * - An entry x is *covered* by an entry y when y has another dot and
 *   `y.version[x.device] >= x.version[x.device]`: y's writer had seen x (for well-formed
 *   histories this is `compareVersions(x.version, y.version) === 'before'`).
 * - Entries are *identical* when equal in every field but the path.
 * - The *order* (best first): a live entry before a tombstone; then newer mtime; then greater
 *   device id; then greater canonical bencode of the entry without its path
 *   (`{b: [[address, size]...], d, k, m, s, t: deleted 0|1, v, x: executable 0|1}`).
 *
 * Rules of `mergeMaps(maps)`.
 * 1. Families. In each map, an entry at `Q` whose name is its own conflict-copy name of some
 *    path P (`Q === conflictPath(P, entry.mtime, entry.device)`) is a *copy* belonging to P's
 *    family; any other entry at a path P belongs to P's family. Every entry at a path whose name
 *    is shaped like a conflict copy of P (`conflictOrigin`) also counts in P's *context* (so an
 *    edited or deleted copy retires the version it replaced). A family's *members* in one map
 *    are its entries there; its *context* is its members plus those entries.
 * 2. Survivors. A member x of any map survives unless some map does not hold x (nor an
 *    identical entry) among its members, yet holds in its context an entry covering x. So a path
 *    absent from a map takes what exists elsewhere; a version replaced by a later write is
 *    dropped; and a conflict copy stays while every map either still holds it or never saw it.
 *    (This is the dotted-version-vector join: deterministic, commutative, associative and
 *    idempotent.) Identical survivors count once. A family may have no survivor (say, its file
 *    was moved to a copy name and edited there).
 * 3. Blocking. A path P is *blocked* when some family whose path starts with `P/` has a live
 *    survivor: P must stay a directory.
 * 4. Placement. The first survivor in the order that is eligible (not a live file when P is
 *    blocked) is placed at P, with its own version. Every other survivor, live or tombstone, is
 *    placed, keeping all its fields but the path, at its copy name
 *    `conflictPath(P, mtime, device)`; if a better survivor of the family already took that
 *    name, or another family has its entry at that very path, at its tagged copy name
 *    `conflictPath(P, mtime, device, tag)` with `tag` the hex of
 *    `H("peerfold/v1/conflict-tag", 4, canonical bencode of the entry)`. In rule 1, an entry is
 *    a copy when its path is either of its two copy names. So an edit beats a concurrent delete
 *    (the tombstone lands, invisible, at a copy name, where it keeps retiring what it deleted),
 *    concurrent edits keep the newest at P and the others as conflict copies, and a file
 *    clashing with a directory moves to its copy name.
 * 5. Collisions. If entries still land on one path (a file name imitating a tagged copy name,
 *    or equal tags), they are merged like the members of one family in which each is its own
 *    map: the first survivor stays; every other live survivor moves on to
 *    `conflictPath(path, …)` by the same rule, tombstones are dropped; this repeats until no
 *    path holds two entries. The algebraic laws of rule 2 hold for the result only when no
 *    such collision occurs.
 * A merged map read back gives the same families and survivors, so merging it again, alone or
 * with any of its inputs, returns it unchanged. Versions are never joined: each entry keeps the
 * version of the write that made it, so a later edit of the current file (whose version is
 * bumped from it) does not retire the conflict copies beside it.
 */
import { encode } from './bencode';
import { bytesEqual, compareBytes, toHex } from './bytes';
import { conflictOrigin, conflictPath } from './conflict';
import type { Entry } from './entry';
import { hash } from './crypto';
import { counterOf } from './version';

type Member = { readonly map: number; readonly entry: Entry; readonly member: boolean };

const keys = new WeakMap<Entry, Uint8Array>();

/** Canonical bytes of an entry without its path: identity of a version and the last tiebreak. */
export function entryKey(e: Entry): Uint8Array {
  let k = keys.get(e);
  if (!k) {
    k = encode({
      b: e.blocks.map((b) => [b.address, b.size]),
      d: e.device,
      k: e.kind,
      m: e.mtime,
      s: e.size,
      t: e.deleted ? 1 : 0,
      v: e.version,
      x: e.executable ? 1 : 0,
    });
    keys.set(e, k);
  }
  return k;
}

function sameVersion(a: Entry['version'], b: Entry['version']): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** Identical: equal in every field but the path (equal canonical bytes). */
export function sameEntry(a: Entry, b: Entry): boolean {
  if (a === b) return true;
  if (
    a.kind !== b.kind ||
    a.size !== b.size ||
    a.mtime !== b.mtime ||
    a.executable !== b.executable ||
    a.device !== b.device ||
    a.deleted !== b.deleted ||
    a.blocks.length !== b.blocks.length ||
    !sameVersion(a.version, b.version)
  ) {
    return false;
  }
  return a.blocks.every(
    (x, i) => x.size === b.blocks[i]!.size && bytesEqual(x.address, b.blocks[i]!.address),
  );
}

/** The merge order: negative when `a` is preferred to `b`. A total order on distinct entries. */
export function compareEntries(a: Entry, b: Entry): number {
  if (a.deleted !== b.deleted) return a.deleted ? 1 : -1;
  if (a.mtime !== b.mtime) return a.mtime > b.mtime ? -1 : 1;
  if (a.device !== b.device) return a.device > b.device ? -1 : 1;
  return compareBytes(entryKey(b), entryKey(a));
}

/** Whether `y` records having seen the write `x` (rule "covered" above). */
export function covers(y: Entry, x: Entry): boolean {
  const dot = counterOf(x.version, x.device);
  if (y.device === x.device && counterOf(y.version, y.device) === dot) return false;
  return counterOf(y.version, x.device) >= dot;
}

interface State {
  readonly members: Entry[];
  readonly context: Entry[];
}

const holds = (list: readonly Entry[], e: Entry): boolean => list.some((x) => sameEntry(x, e));

/** Rule 2: the survivors of several maps' states of one family, best first. */
function survivors(states: readonly State[]): Entry[] {
  const all: Entry[] = [];
  for (const s of states) for (const e of s.members) if (!holds(all, e)) all.push(e);
  return all
    .filter((x) => states.every((s) => holds(s.members, x) || !s.context.some((y) => covers(y, x))))
    .sort(compareEntries);
}

const single = (e: Entry): State => ({ members: [e], context: [e] });

/**
 * One path's versions from several heads (duplicates allowed), each taken as its own input:
 * versions covered by another are dropped; the first remaining in the merge order wins; the
 * others are the losers, best first (live ones become conflict copies, see `mergeMaps`). The
 * winner keeps its own version (see the end of the rules above).
 */
export function mergePath(candidates: readonly Entry[]): { winner: Entry; losers: Entry[] } {
  if (candidates.length === 0) throw new Error('mergePath needs at least one candidate');
  const kept = survivors(candidates.map(single));
  // versions that cover each other in a cycle break the protocol; keep them all, in order
  const [winner, ...losers] =
    kept.length > 0 ? kept : survivors([{ members: [...candidates], context: [] }]);
  return { winner: winner!, losers };
}

/** The tag of an entry's tagged copy name (rule 4). */
export function conflictTag(e: Entry): string {
  return toHex(hash('peerfold/v1/conflict-tag', 4, [entryKey(e)]));
}

const at = (e: Entry, path: string): Entry => (e.path === path ? e : { ...e, path });

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function isCopyOf(origin: string, path: string, e: Entry): boolean {
  const short = conflictPath(origin, e.mtime, e.device);
  if (path === short) return true;
  return (
    path.length === short.length + 9 &&
    path === conflictPath(origin, e.mtime, e.device, conflictTag(e))
  );
}

/** Rule 1: every family's members and context entries, by family path. */
function families(maps: readonly ReadonlyMap<string, Entry>[]): Map<string, Member[]> {
  const out = new Map<string, Member[]>();
  maps.forEach((m, map) => {
    for (const [path, entry] of m) {
      const origin = conflictOrigin(path);
      if (origin !== undefined && isCopyOf(origin, path, entry)) {
        push(out, origin, { map, entry, member: true });
        continue;
      }
      push(out, path, { map, entry, member: true });
      if (origin !== undefined) push(out, origin, { map, entry, member: false });
    }
  });
  return out;
}

function familySurvivors(members: readonly Member[]): Entry[] {
  // fast path: every map holding anything of the family holds this one entry
  const first = members[0]!.entry;
  if (members.every((m) => m.member && sameEntry(m.entry, first))) return [first];
  const states = new Map<number, State>();
  for (const { map, entry, member } of members) {
    let s = states.get(map);
    if (!s) states.set(map, (s = { members: [], context: [] }));
    if (member && !holds(s.members, entry)) s.members.push(entry);
    s.context.push(entry);
  }
  return survivors([...states.values()]);
}

/** Rule 5: settles every path holding several entries, moving losers to copy names. */
function settle(result: Map<string, Entry>, pending: Map<string, Entry[]>): void {
  while (pending.size > 0) {
    const next = new Map<string, Entry[]>();
    // a round writes each path once and defers every move to the next round: order-free
    for (const [path, list] of pending) {
      const held = result.get(path);
      const all = held ? [held, ...list] : list;
      if (all.length === 1) {
        result.set(path, at(all[0]!, path));
        continue;
      }
      const { winner, losers } = mergePath(all);
      result.set(path, at(winner, path));
      for (const l of losers) {
        if (!l.deleted) push(next, conflictPath(path, l.mtime, l.device), l);
      }
    }
    pending = next;
  }
}

/** Merges the maps of several heads into one folder (rules above); sorted by path. */
export function mergeMaps(maps: readonly ReadonlyMap<string, Entry>[]): Map<string, Entry> {
  const fams = families(maps);
  const kept = new Map<string, Entry[]>();
  const blocked = new Set<string>();
  for (const [path, members] of fams) {
    const list = familySurvivors(members);
    kept.set(path, list);
    if (list.some((e) => !e.deleted)) {
      for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
        blocked.add(path.slice(0, i));
      }
    }
  }
  const pending = new Map<string, Entry[]>();
  const copies: [string, Entry[]][] = [];
  for (const [path, list] of kept) {
    const isBlocked = blocked.has(path);
    const w = list.findIndex((e) => !(isBlocked && !e.deleted && e.kind === 'file'));
    if (w >= 0) pending.set(path, [list[w]!]);
    if (list.length > (w >= 0 ? 1 : 0)) copies.push([path, list.filter((_, i) => i !== w)]);
  }
  for (const [path, list] of copies) {
    const taken = new Set<string>();
    for (const e of list) {
      let name = conflictPath(path, e.mtime, e.device);
      if (taken.has(name) || pending.has(name))
        name = conflictPath(path, e.mtime, e.device, conflictTag(e));
      taken.add(name);
      push(pending, name, e);
    }
  }
  const result = new Map<string, Entry>();
  settle(result, pending);
  return new Map([...result.keys()].sort().map((k) => [k, result.get(k)!]));
}
