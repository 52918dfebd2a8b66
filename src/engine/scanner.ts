/**
 * The scanner (DESIGN.md sections 3 and 6): compares the folder with the local index (what the
 * folder held at the last scan or apply) and records every local change as a new version.
 *
 * Incremental: a file whose kind, size, mtime and executable bit match its live index entry, and
 * whose local change token (inode and ctime on Node) is the one seen when it was last read, is
 * not read again. A file read again whose content and metadata turn out equal to its entry gets
 * no new version. A new or changed file is streamed through the chunker and sealed block by
 * block (never the whole file in memory). A live entry missing from the listing becomes a
 * tombstone. A folder that is not 'ok' makes `drive.list` throw 'paused', which is passed on
 * before anything is changed: a vanished root is never read as "every file was deleted".
 */
import { encryptStream, type BlockKeys } from '../core/blocks';
import type { Drive, DriveEntry } from '../core/drive';
import type { BlockRef, DeviceId, Entry } from '../core/entry';
import { isPeerfoldError } from '../core/errors';
import { bytesEqual } from '../core/bytes';
import type { Address } from '../core/objects';
import { comparePaths, foldCase, normalizePath, validatePath } from '../core/path';
import type { ObjectStore } from '../core/ports';
import { iterate, updateTree, type Mutation, type TreeContext } from '../core/tree';
import { bumpVersion, counterOf } from '../core/version';
import { InOrder } from './in-order';
import { PutsInFlight } from './puts-in-flight';

/** Why a file was left out of this scan: it changed while it was read (scanned again soon). */
export const CHANGED_WHILE_READ = 'changed while being read; next scan';

/**
 * Files read and sealed at once: the one being indexed and those after it (each with
 * PUTS_IN_FLIGHT puts).
 */
export const FILES_READ_AHEAD = 4;

export interface ScanOptions {
  readonly drive: Drive;
  readonly ctx: TreeContext;
  readonly blocks: BlockKeys;
  /** Where file blocks go (may be the same store as `ctx.store`). */
  readonly store: ObjectStore;
  /** The local index: what the folder held at the last scan or apply. */
  readonly root: Address;
  readonly device: DeviceId;
  /** The highest counter this device ever used in the share. */
  readonly floor: number;
  /** The clock for tombstones' mtime (default Date.now). */
  readonly now?: () => number;
  /** Change tokens (DriveEntry.change) of files as last read, by path. */
  readonly stamps?: ReadonlyMap<string, string>;
  /**
   * Scan only below this directory (default '': the whole folder). It must exist: entries of the
   * index below it that the listing lacks become tombstones, and nothing else is looked at.
   */
  readonly under?: string;
}

export interface Skipped {
  readonly path: string;
  readonly reason: string;
}

export interface ScanResult {
  /** The new local index (equal to the old root when nothing changed). */
  readonly root: Address;
  /** Paths given a new version, in path order. */
  readonly changed: string[];
  /** The highest counter used now (persist it). */
  readonly floor: number;
  /** Local paths left out of the index this time, and why. */
  readonly skipped: Skipped[];
  /** Change tokens of the listed files whose entries describe them now (below `under`). */
  readonly stamps: Map<string, string>;
}

/** Whether a live index entry still describes the listed file or directory. */
export function unchanged(old: Entry | undefined, found: DriveEntry, stamp?: string): boolean {
  if (!old || old.deleted || old.kind !== found.kind) return false;
  if (found.kind === 'dir') return true;
  return (
    old.size === found.size &&
    old.mtime === found.mtime &&
    old.executable === found.executable &&
    (found.change === undefined || found.change === stamp)
  );
}

/** Whether re-read content is exactly what the entry already says. */
function sameContent(old: Entry | undefined, found: DriveEntry, blocks: BlockRef[]): boolean {
  return (
    old !== undefined &&
    !old.deleted &&
    old.kind === 'file' &&
    old.mtime === found.mtime &&
    old.executable === found.executable &&
    old.blocks.length === blocks.length &&
    old.blocks.every(
      (b, i) => b.size === blocks[i]!.size && bytesEqual(b.address, blocks[i]!.address),
    )
  );
}

/** The listing, paths normalised and validated, case duplicates dropped, in path order. */
async function listFolder(
  drive: Drive,
  index: ReadonlyMap<string, Entry>,
  skipped: Skipped[],
  under: string,
): Promise<Map<string, DriveEntry>> {
  const raw: DriveEntry[] = [];
  // Throws 'paused' before anything changes.
  for await (const e of drive.list(under === '' ? undefined : under)) raw.push(e);
  const valid: DriveEntry[] = [];
  for (const e of raw) {
    const path = normalizePath(e.path);
    try {
      validatePath(path);
    } catch (err) {
      if (!isPeerfoldError(err)) throw err;
      skipped.push({ path: e.path, reason: err.message });
      continue;
    }
    valid.push(path === e.path ? e : { ...e, path });
  }
  // Of two names one drive cannot hold both of, the one already indexed wins, then path order.
  const indexed = (e: DriveEntry): number => (index.get(e.path)?.deleted === false ? 0 : 1);
  valid.sort((a, b) => indexed(a) - indexed(b) || comparePaths(a.path, b.path));
  const out = new Map<string, DriveEntry>();
  const folded = new Map<string, string>();
  for (const e of valid) {
    if (out.has(e.path)) {
      skipped.push({ path: e.path, reason: 'listed twice (names equal after NFC)' });
      continue;
    }
    if (drive.caseInsensitive) {
      const key = foldCase(e.path);
      const first = folded.get(key);
      if (first !== undefined) {
        skipped.push({ path: e.path, reason: `differs only in case from ${first}` });
        continue;
      }
      folded.set(key, e.path);
    }
    out.set(e.path, e);
  }
  return out;
}

/**
 * Seals the file's content into `store`; undefined if it changed while being read. Stops at the
 * next block once `stop` is aborted; returns or throws only when none of its puts still runs.
 */
async function readFile(
  opts: ScanOptions,
  found: DriveEntry,
  stop: AbortSignal,
): Promise<{ blocks: BlockRef[]; size: number; change: string | undefined } | undefined> {
  const blocks: BlockRef[] = [];
  let size = 0;
  const puts = new PutsInFlight(opts.store);
  try {
    for await (const b of encryptStream(opts.blocks, opts.drive.readStream(found.path))) {
      stop.throwIfAborted();
      await puts.put(b.address, b.bytes);
      blocks.push({ address: b.address, size: b.size });
      size += b.size;
    }
    await puts.done();
  } finally {
    await puts.settled();
  }
  const after = await opts.drive.stat(found.path);
  if (
    size !== found.size ||
    after?.kind !== 'file' ||
    after.size !== found.size ||
    after.mtime !== found.mtime ||
    after.executable !== found.executable ||
    after.change !== found.change
  ) {
    return undefined;
  }
  return { blocks, size, change: after.change };
}

export async function scanFolder(opts: ScanOptions): Promise<ScanResult> {
  const { ctx, device } = opts;
  const now = opts.now ?? Date.now;
  const skipped: Skipped[] = [];
  const index = new Map<string, Entry>();
  const under = opts.under ?? '';
  for await (const e of iterate(ctx, opts.root, under)) index.set(e.path, e);
  const listed = await listFolder(opts.drive, index, skipped, under);

  let floor = opts.floor;
  const version = (old: Entry | undefined): Entry['version'] => {
    const v = bumpVersion(old?.version ?? {}, device, floor);
    floor = counterOf(v, device);
    return v;
  };
  const mutations: Mutation[] = [];
  /** Paths the listing holds but this scan leaves as they are in the index. */
  const kept = new Set<string>();
  const stamps = new Map<string, string>();

  const sorted = [...listed.values()].sort((a, b) => comparePaths(a.path, b.path));
  const isUnchanged = (found: DriveEntry): boolean =>
    unchanged(index.get(found.path), found, opts.stamps?.get(found.path));
  // The files to read, read FILES_READ_AHEAD at once in the order the loop below takes them.
  const stop = new AbortController();
  const reads = new InOrder(
    sorted.filter((found) => found.kind !== 'dir' && !isUnchanged(found)),
    (found) => readFile(opts, found, stop.signal),
    FILES_READ_AHEAD,
  );
  try {
    for (const found of sorted) {
      const old = index.get(found.path);
      if (isUnchanged(found)) {
        if (found.change !== undefined) stamps.set(found.path, found.change);
        continue;
      }
      if (found.kind === 'dir') {
        const entry: Entry = {
          path: found.path,
          kind: 'dir',
          size: 0,
          mtime: found.mtime,
          executable: false,
          blocks: [],
          version: version(old),
          device,
          deleted: false,
        };
        mutations.push({ path: found.path, entry });
        continue;
      }
      let content: Awaited<ReturnType<typeof readFile>>;
      try {
        content = await reads.next();
      } catch (err) {
        // A full store or disk is the share's trouble, not this file's: skipping the file would
        // report "up to date" while it never syncs. The pass fails and the page says why.
        if (!isPeerfoldError(err) || err.code === 'paused' || err.code === 'no-space') throw err;
        skipped.push({ path: found.path, reason: `not read: ${err.message}` });
        kept.add(found.path);
        continue;
      }
      if (!content) {
        skipped.push({ path: found.path, reason: CHANGED_WHILE_READ });
        kept.add(found.path);
        continue;
      }
      if (content.change !== undefined) stamps.set(found.path, content.change);
      if (sameContent(old, found, content.blocks)) continue; // e.g. written by apply: no new version
      const entry: Entry = {
        path: found.path,
        kind: 'file',
        size: content.size,
        mtime: found.mtime,
        executable: found.executable,
        blocks: content.blocks,
        version: version(old),
        device,
        deleted: false,
      };
      mutations.push({ path: found.path, entry });
    }
  } catch (e) {
    // The files read ahead stop too: the scan ends only once none of them reads or stores.
    stop.abort();
    await reads.settled();
    throw e;
  }

  for (const s of skipped) kept.add(s.path);
  for (const old of index.values()) {
    if (old.deleted || listed.has(old.path) || kept.has(old.path)) continue;
    const tombstone: Entry = {
      path: old.path,
      kind: old.kind,
      size: 0,
      mtime: now(),
      executable: false,
      blocks: [],
      version: version(old),
      device,
      deleted: true,
    };
    mutations.push({ path: old.path, entry: tombstone });
  }

  const root = await updateTree(ctx, opts.root, mutations);
  const changed = mutations.map((m) => m.path).sort(comparePaths);
  return { root, changed, floor, skipped, stamps };
}
