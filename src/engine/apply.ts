/**
 * The apply step (DESIGN.md section 6): makes the folder hold a target tree (the merged index),
 * starting from the local index `from`, which describes what the folder held at the last scan.
 *
 * Every overwrite or delete passes the drive the `from` entry as `Expect`, so a local edit made
 * since the last scan is never clobbered: the drive refuses ('changed'), the path is reported
 * and keeps its `from` entry in the returned index, and the next scan picks the edit up. Files
 * are written atomically by the drive, from decrypted blocks streamed in order (the next few
 * read ahead); a file whose blocks are not all stored is not started. Order: file deletions, new
 * directories (parents first), renames, directory deletions (children first), then file writes,
 * a few files at once (distinct paths, each written whole before its rename).
 *
 * A file written ahead while its blocks arrived (`early`) is only committed: re-checked and moved.
 *
 * A new file whose blocks and executable bit equal those of a file deleted in the same apply is
 * moved with `drive.rename` instead of being rewritten (no block read, no data copied).
 */
import type { BlockKeys } from '../core/blocks';
import type { Drive, DriveEntry, Expect, StagedFile } from '../core/drive';
import type { Entry } from '../core/entry';
import type { PeerfoldError } from '../core/errors';
import { isPeerfoldError } from '../core/errors';
import type { Address } from '../core/objects';
import { comparePaths } from '../core/path';
import type { ObjectStore } from '../core/ports';
import { diffTrees, updateTree, type Mutation, type TreeContext } from '../core/tree';
import { eachLimited } from './each-limited';
import { contentKey, firstMissing, plaintext, READ_AHEAD, sameContent } from './file-blocks';

export interface ApplyOptions {
  readonly drive: Drive;
  readonly ctx: TreeContext;
  readonly blocks: BlockKeys;
  /** Where file blocks are read from. */
  readonly store: ObjectStore;
  /** The local index: what the folder held at the last scan or apply. */
  readonly from: Address;
  /** The target (merged) tree. */
  readonly to: Address;
  /**
   * Change tokens of files as last read or written (see scanner): an overwrite or delete then
   * also refuses a file replaced or edited in place with its size and mtime kept.
   */
  readonly stamps?: ReadonlyMap<string, string>;
  /**
   * A file written ahead for this entry (early-writes.ts), if any: committed instead of written.
   * Asked only once the entry's blocks are all stored.
   */
  readonly early?: (entry: Entry) => Promise<StagedFile | undefined> | undefined;
}

export interface Conflict {
  readonly path: string;
  readonly reason: string;
}

export interface ApplyResult {
  /** The new local index: `to` where applied, the `from` entry where a path failed. */
  readonly root: Address;
  /** Paths whose `to` entry now describes the folder, in path order. */
  readonly applied: string[];
  /** Paths left as they were, and why (a local edit, a missing block, a paused folder...). */
  readonly conflicts: Conflict[];
  /**
   * Change tokens (DriveEntry.change) of the files written or moved, as they were right after:
   * the scanner then knows them for what they are and does not read them again.
   */
  readonly stamps: Map<string, string>;
}

/** One path to bring from `before` (undefined: nothing) to `after` (undefined: nothing). */
interface Step {
  readonly path: string;
  readonly before: Entry | undefined;
  readonly after: Entry | undefined;
}

const live = (e: Entry | undefined): e is Entry => e !== undefined && !e.deleted;
const liveFile = (e: Entry | undefined): e is Entry => live(e) && e.kind === 'file';
const liveDir = (e: Entry | undefined): e is Entry => live(e) && e.kind === 'dir';

/** What the folder holds at a path if it still matches the entry (and its change token). */
function expectOf(e: Entry | undefined, stamps?: ReadonlyMap<string, string>): Expect {
  if (liveFile(e)) return { size: e.size, mtime: e.mtime, change: stamps?.get(e.path) };
  if (liveDir(e)) return 'dir';
  return 'absent';
}

/**
 * Puts a staged file in place: its entry, or undefined where the plain write is to be tried
 * instead (the staged file is gone, or the rename failed, as across file systems); a pause, a
 * changed target or a full disk is thrown as the write would throw it.
 */
async function commitStaged(
  drive: Drive,
  staged: StagedFile,
  expect: Expect,
): Promise<DriveEntry | undefined> {
  if (!drive.commit) return undefined;
  try {
    return await drive.commit(staged, expect);
  } catch (err) {
    if (isPeerfoldError(err) && (err.code === 'missing' || err.code === 'io')) return undefined;
    throw err;
  }
}

/**
 * Files written at once: each is written whole and fsynced before its rename, and a file's
 * create, fsync and rename cost about 1 ms of the disk's time here whatever its size, so many
 * small files need many in flight (2000 files of 128 KiB: 3.5-4.5 s at 4, 2-3 s at 16; applying
 * 2000 files of 128 KiB after a download took 2.0-2.3 s at 64 and 2.4-3.0 s at 16). Memory: the
 * files running at once hold at most READ_AHEAD_BUDGET of blocks read ahead, so big files run
 * 16 at a time, small ones up to 64.
 */
export const FILES_AT_ONCE = 64;
/** Bytes of blocks read ahead by all the files being written (READ_AHEAD per file). */
export const READ_AHEAD_BUDGET = 32 * 1024 * 1024;
/** A file's share of the budget: what its read-ahead may hold (blocks are at most 256 KiB). */
const readAheadOf = (s: Step): number => Math.min(s.after?.size ?? 0, READ_AHEAD * 256 * 1024);

export async function applyTree(opts: ApplyOptions): Promise<ApplyResult> {
  const { drive, ctx } = opts;
  const steps: Step[] = [];
  for await (const c of diffTrees(ctx, opts.from, opts.to)) {
    steps.push({ path: c.path, before: c.before, after: c.after });
  }

  const failed = new Map<string, string>();
  /** Paths whose operations were cut short by a pause (left, or partly left, undone). */
  const notDone = new Set<string>();
  let pausedBy: PeerfoldError | undefined;
  /** Runs one drive operation for `path`; a refusal is recorded, a pause stops the rest. */
  const stamps = new Map<string, string>();
  const stamp = (path: string, entry: DriveEntry): void => {
    if (entry.change !== undefined) stamps.set(path, entry.change);
  };
  const attempt = async (path: string, op: () => Promise<unknown>): Promise<boolean> => {
    if (failed.has(path)) return false;
    if (pausedBy) {
      notDone.add(path);
      return false;
    }
    try {
      await op();
      return true;
    } catch (err) {
      if (!isPeerfoldError(err)) throw err;
      if (err.code === 'paused') {
        pausedBy = err;
        notDone.add(path);
      } else failed.set(path, `${err.code}: ${err.message}`);
      return false;
    }
  };

  // Sort the steps into the phases.
  const removeFiles: Step[] = [];
  const removeDirs: Step[] = [];
  const mkdirs: Step[] = [];
  const writes: Step[] = [];
  for (const s of steps) {
    const { before, after } = s;
    if (liveFile(before) && !liveFile(after)) removeFiles.push(s);
    if (liveDir(before) && !liveDir(after)) removeDirs.push(s);
    if (liveDir(after) && !liveDir(before)) mkdirs.push(s);
    if (liveFile(after)) writes.push(s);
  }

  // Renames: a new file with the content of a file deleted here.
  const renames: { source: Step; target: Step }[] = [];
  const sources = new Map<string, Step[]>();
  for (const s of removeFiles) {
    if (s.before!.blocks.length > 0 && !live(s.after)) {
      const key = contentKey(s.before!);
      sources.set(key, [...(sources.get(key) ?? []), s]);
    }
  }
  for (const t of writes) {
    if (live(t.before)) continue;
    const source = sources.get(contentKey(t.after!))?.pop();
    if (source) renames.push({ source, target: t });
  }
  const renamed = new Set<Step>(renames.flatMap((r) => [r.source, r.target]));

  for (const s of removeFiles) {
    if (renamed.has(s)) continue;
    await attempt(s.path, () => drive.remove(s.path, expectOf(s.before, opts.stamps)));
  }
  for (const s of mkdirs) {
    await attempt(s.path, () => drive.mkdir(s.path));
  }
  for (const { source, target } of renames) {
    const after = target.after!;
    const moved = await attempt(target.path, async () => {
      const stat = await drive.rename(
        source.path,
        target.path,
        expectOf(source.before, opts.stamps),
      );
      stamp(
        target.path,
        stat.mtime === after.mtime ? stat : await drive.setMtime(target.path, after.mtime),
      );
    });
    if (moved) continue;
    if (pausedBy) {
      notDone.add(source.path);
      continue;
    }
    // The move was refused: delete and write as if no rename had been seen.
    failed.delete(target.path);
    renamed.delete(target);
    await attempt(source.path, () =>
      drive.remove(source.path, expectOf(source.before, opts.stamps)),
    );
  }
  for (const s of [...removeDirs].reverse()) {
    await attempt(s.path, () => drive.remove(s.path, 'dir'));
  }
  // File writes, many at a time: each waits mostly on its fsync.
  const limits = { count: FILES_AT_ONCE, budget: READ_AHEAD_BUDGET, weight: readAheadOf };
  await eachLimited(writes, limits, async (s) => {
    if (renamed.has(s)) return;
    const after = s.after!;
    const before = s.before;
    const expect = liveDir(before) ? 'absent' : expectOf(before, opts.stamps);
    if (liveFile(before) && sameContent(before, after)) {
      if (before.mtime !== after.mtime) {
        await attempt(s.path, async () =>
          stamp(s.path, await drive.setMtime(s.path, after.mtime, expect)),
        );
      }
      return;
    }
    const missing = await firstMissing(opts.store, after.blocks);
    if (missing !== undefined) {
      failed.set(s.path, `missing: block ${missing} is not stored`);
      return;
    }
    const staged = await opts.early?.(after);
    try {
      await attempt(s.path, async () => {
        const committed = staged && (await commitStaged(drive, staged, expect));
        if (committed) return stamp(s.path, committed);
        const data = plaintext(opts.blocks, (address) => opts.store.get(address), after);
        const options = { mtime: after.mtime, executable: after.executable, expect };
        stamp(s.path, await drive.write(s.path, data, options));
      });
    } finally {
      // Not committed (a pause stopped the apply first, or it failed): removed, not left behind.
      await staged?.discard();
    }
  });

  // The new index: `to`, with the `from` entry back wherever the folder was not changed.
  const applied: string[] = [];
  const conflicts: Conflict[] = [];
  const reverts: Mutation[] = [];
  for (const s of steps) {
    const reason = failed.get(s.path);
    if (reason === undefined && !notDone.has(s.path)) {
      applied.push(s.path);
    } else {
      conflicts.push({ path: s.path, reason: reason ?? `paused: ${pausedBy?.message ?? ''}` });
      reverts.push({ path: s.path, entry: s.before ?? null });
      stamps.delete(s.path);
    }
  }
  const root = await updateTree(ctx, opts.to, reverts);
  applied.sort(comparePaths);
  return { root, applied, conflicts, stamps };
}
