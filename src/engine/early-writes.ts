/**
 * Early writes (DESIGN.md section 6): once a received head's nodes are all stored (the
 * replica's `tree` event) and while its blocks are still arriving, the big files it adds or
 * changes are written into temporary files as their blocks come in (`drive.stage`). The apply that runs
 * when the head is accepted then commits each (a re-check and a rename) instead of reading,
 * decrypting and writing every file after the last block came.
 *
 * Only a pass changes the folder. A staged file is a cache entry, keyed by path, mtime and
 * content, which the apply takes when its target entry is exactly that; the others are
 * discarded once a pass has merged their head, or once the head is refused. A stage waits for
 * a block only while the replica still wants it; a stage that fails is forgotten, and the
 * apply writes that file itself (and reports what goes wrong then).
 */
import type { BlockKeys } from '../core/blocks';
import type { Drive, StagedFile } from '../core/drive';
import type { Entry } from '../core/entry';
import type { SignedHead } from '../core/head';
import type { Address } from '../core/objects';
import type { ObjectStore } from '../core/ports';
import type { Replica } from '../core/replica';
import { diffTrees, type TreeContext } from '../core/tree';
import { eachLimited } from './each-limited';
import { contentKey, plaintext, sameContent } from './file-blocks';

/**
 * Files staged at once for one head; they wait on their blocks, which come in about the order
 * they are staged. Few: each ends in an fsync that holds one of the 4 I/O threads the download
 * stores its blocks with (16 at once slowed a download of 2000 files from 2.4 to 6.5 s).
 */
const STAGES_AT_ONCE = 2;
/**
 * Smaller files are left to the apply. What a file costs to write beside its data (create,
 * fsync, rename: about 1 ms of the disk here) is not saved by writing it early, and costs the
 * download the same I/O threads; for a big file the data is most of the work.
 */
export const STAGE_MIN_BYTES = 4 * 1024 * 1024;
/** How often a stage waiting on a block looks again (one stored some other way is not told). */
const RECHECK_MS = 1000;

export interface EarlyWritesOptions {
  readonly drive: Drive;
  readonly ctx: TreeContext;
  readonly blocks: BlockKeys;
  readonly store: ObjectStore;
  readonly replica: Replica;
}

interface Early {
  readonly head: SignedHead;
  readonly file: Promise<StagedFile | undefined>;
}

const keyOf = (e: Entry): string => `${e.path}\0${e.mtime}\0${contentKey(e)}`;
const liveFile = (e: Entry | undefined): e is Entry =>
  e !== undefined && !e.deleted && e.kind === 'file';

export class EarlyWrites {
  private readonly files = new Map<string, Early>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  /** Ends the waits for a block under way; close calls them all. */
  private readonly wakers = new Set<() => void>();

  constructor(private readonly o: EarlyWritesOptions) {
    if (!o.drive.stage || !o.drive.commit) throw new Error('early writes need a drive that stages');
  }

  /** Starts staging the files `head` adds or changes against the local index `local`. */
  begin(head: SignedHead, local: Address): void {
    if (this.closed) return;
    // A diff that fails (a tree that cannot be read) stages nothing: the pass deals with it.
    const run = this.stageHead(head, local).catch(() => undefined);
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /**
   * The staged file for `entry` if one was started (it may still be being written: once all
   * its blocks are stored it ends soon), taken out of the cache; undefined if there is none or
   * its stage failed.
   */
  take(entry: Entry): Promise<StagedFile | undefined> | undefined {
    const key = keyOf(entry);
    const early = this.files.get(key);
    if (!early) return undefined;
    this.files.delete(key);
    return early.file;
  }

  /** Discards the staged files of heads for which `settled` holds (merged, or never to be). */
  prune(settled: (head: SignedHead) => boolean): void {
    for (const [key, early] of this.files) {
      if (!settled(early.head)) continue;
      this.files.delete(key);
      void discardWhenDone(early.file);
    }
  }

  /** Stops staging and discards every staged file not taken. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.wakers) wake();
    await Promise.all(this.running);
    const left = [...this.files.values()];
    this.files.clear();
    await Promise.all(left.map((e) => discardWhenDone(e.file)));
  }

  private async stageHead(head: SignedHead, local: Address): Promise<void> {
    const { ctx, replica } = this.o;
    const todo: Entry[] = [];
    for await (const { before, after } of diffTrees(ctx, local, head.head.root)) {
      if (!liveFile(after) || after.size < STAGE_MIN_BYTES) continue;
      if (liveFile(before) && sameContent(before, after)) continue;
      // A file whose blocks are all stored is written by the apply at disk speed (or moved).
      if (!after.blocks.some((b) => replica.isWanted(b.address))) continue;
      if (!this.files.has(keyOf(after))) todo.push(after);
    }
    const limits = { count: STAGES_AT_ONCE, budget: Infinity, weight: () => 0 };
    await eachLimited(todo, limits, async (entry) => {
      // Once the head is accepted (or refused), the apply writes what was not started.
      if (this.closed || !replica.isReceiving(head.id)) return;
      const key = keyOf(entry);
      if (this.files.has(key)) return;
      const file = this.stage(entry);
      this.files.set(key, { head, file });
      await file;
    });
  }

  private async stage(e: Entry): Promise<StagedFile | undefined> {
    const data = plaintext(this.o.blocks, (address) => this.arrived(address), e);
    try {
      return await this.o.drive.stage!(e.path, data, { mtime: e.mtime, executable: e.executable });
    } catch {
      return undefined; // the apply writes the file, and reports what goes wrong then
    }
  }

  /** A block's bytes once stored; undefined once no head wants it any more (or on close). */
  private async arrived(address: Address): Promise<Uint8Array | undefined> {
    const { replica, store } = this.o;
    for (;;) {
      // In this order: a block that stops being wanted was stored before it stopped.
      const wanted = replica.isWanted(address);
      const arrival = wanted ? replica.stored(address) : undefined;
      const bytes = await store.get(address);
      if (bytes || !arrival || this.closed) return bytes;
      await this.wait(arrival);
    }
  }

  /** Waits for `arrival`, RECHECK_MS at most, or until close. */
  private async wait(arrival: Promise<void>): Promise<void> {
    // A waker per wait, dropped after it: one promise that close resolves would keep a
    // reaction for every wait of the engine's life.
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    this.wakers.add(wake);
    try {
      await within(Promise.race([arrival, woken]), RECHECK_MS);
    } finally {
      this.wakers.delete(wake);
    }
  }
}

async function discardWhenDone(file: Promise<StagedFile | undefined>): Promise<void> {
  await (await file)?.discard().catch(() => undefined);
}

/** Waits for `p`, `ms` at most. */
async function within(p: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
