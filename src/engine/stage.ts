/**
 * Files written while their blocks still arrive (DESIGN.md section 6). Once a received head's
 * tree is stored, the files it changes are written to temporary files as their blocks come in,
 * and each write then waits at its commit. The apply that later brings the folder to that head
 * takes a staged write instead of starting the file, and gives it the Expect it would have
 * written with; the drive re-checks it right before the rename, as for any write. So the
 * folder changes only in the apply, by its rules: staging moves no file into place, and a
 * staged write nobody takes is dropped (its temporary file removed).
 */
import type { BlockKeys } from '../core/blocks';
import type { Drive, DriveEntry, Expect } from '../core/drive';
import type { Entry } from '../core/entry';
import { PeerfoldError } from '../core/errors';
import type { SignedHead } from '../core/head';
import type { Address } from '../core/objects';
import type { ObjectStore } from '../core/ports';
import { diffTrees, type TreeContext } from '../core/tree';
import { contentKey, plaintext, sameContent } from './file-blocks';

export interface StageOptions {
  readonly drive: Drive;
  readonly ctx: TreeContext;
  readonly blocks: BlockKeys;
  readonly store: ObjectStore;
  /** Waits for a block a received head still needs (Replica.whenArrived). */
  readonly whenArrived: (address: Address, signal: AbortSignal) => Promise<Uint8Array | undefined>;
}

/**
 * Lands a taken staged write at `expect`: the file as written, or undefined if the staged write
 * failed before its commit (write the file the usual way). A failure at the commit throws.
 */
export type StagedCommit = (expect: Expect) => Promise<DriveEntry | undefined>;

/** Staged writes still receiving data at once (each holds an open temporary file). */
const WRITING_AT_ONCE = 16;
/** Staged writes kept at most (finished ones wait for the apply as temporary files). */
const MAX_STAGED = 4096;

class StagedWrite {
  /** The temporary file is complete: the write waits for the apply's Expect. */
  reached = false;
  readonly abort = new AbortController();
  readonly decision: Promise<Expect | undefined>;
  land!: (expect: Expect) => void;
  drop!: () => void;
  result!: Promise<DriveEntry>;

  constructor(
    readonly head: SignedHead,
    readonly key: string,
  ) {
    this.decision = new Promise((resolve, reject) => {
      this.land = resolve;
      this.drop = () => {
        this.abort.abort();
        reject(new PeerfoldError('changed', 'staged write not needed', false));
      };
    });
    this.decision.catch(() => undefined); // a write that failed early never asks for it
  }
}

/** What a staged file must be to stand for an entry: its content, executable bit and mtime. */
const keyOf = (e: Entry): string => `${e.mtime}:${contentKey(e)}`;

export class Stager {
  private readonly staged = new Map<string, StagedWrite>();
  private writing = 0;
  private slotWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly opts: StageOptions) {}

  /** Starts writing the files `head` changes relative to `local` (the folder as last seen). */
  stage(head: SignedHead, local: Address): void {
    this.run(head, local).catch(() => undefined); // best effort: the apply writes what is left
  }

  /** The staged write for this path if it holds exactly `entry` (taken: only one apply lands it). */
  take(path: string, entry: Entry): StagedCommit | undefined {
    const s = this.staged.get(path);
    if (!s || s.key !== keyOf(entry)) return undefined;
    this.staged.delete(path);
    return async (expect) => {
      s.land(expect);
      try {
        return await s.result;
      } catch (e) {
        if (!s.reached) return undefined;
        throw e;
      }
    };
  }

  /** Drops the staged writes of heads `keep` rejects. */
  dropExcept(keep: (head: SignedHead) => boolean): void {
    for (const [path, s] of this.staged) {
      if (keep(s.head)) continue;
      this.staged.delete(path);
      s.drop();
    }
  }

  /** Drops every staged write and waits until each has removed its temporary file. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.staged.values()];
    this.staged.clear();
    for (const s of all) s.drop();
    this.wakeWaiters();
    await Promise.all(all.map((s) => s.result.catch(() => undefined)));
  }

  private async run(head: SignedHead, local: Address): Promise<void> {
    const files: Entry[] = [];
    for await (const { before, after } of diffTrees(this.opts.ctx, local, head.head.root)) {
      if (this.stopped) return;
      if (after?.kind !== 'file' || after.deleted) continue;
      if (before?.kind === 'file' && !before.deleted && sameContent(before, after)) continue;
      files.push(after);
    }
    for (const entry of files) {
      const existing = this.staged.get(entry.path);
      if (existing?.key === keyOf(entry)) continue;
      while (this.writing >= WRITING_AT_ONCE && !this.stopped) {
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
      }
      if (this.stopped || this.staged.size >= MAX_STAGED) return;
      this.staged.get(entry.path)?.drop();
      this.start(head, entry);
    }
  }

  private wakeWaiters(): void {
    const waiters = this.slotWaiters;
    this.slotWaiters = [];
    for (const wake of waiters) wake();
  }

  private start(head: SignedHead, entry: Entry): void {
    const s = new StagedWrite(head, keyOf(entry));
    this.staged.set(entry.path, s);
    this.writing++;
    let counted = true;
    const free = (): void => {
      if (!counted) return;
      counted = false;
      this.writing--;
      this.wakeWaiters();
    };
    const { drive, store, blocks, whenArrived } = this.opts;
    const get = async (address: Address): Promise<Uint8Array | undefined> => {
      const arrival = whenArrived(address, s.abort.signal); // before looking: no lost wake-up
      return (await arrival) ?? store.get(address);
    };
    s.result = drive.write(entry.path, plaintext(blocks, get, entry), {
      mtime: entry.mtime,
      executable: entry.executable,
      commit: () => {
        s.reached = true;
        free();
        return s.decision;
      },
    });
    s.result.then(free, () => {
      free();
      if (this.staged.get(entry.path) === s) this.staged.delete(entry.path);
    });
  }
}
