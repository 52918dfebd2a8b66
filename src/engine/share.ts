/**
 * One running share (DESIGN.md sections 2, 3 and 6): a Replica plus, for Write and Read peers,
 * the folder. `sync()` scans the folder into the local index, merges it with the frontier's
 * roots, applies the merge to the folder and, for a Write peer whose folder now holds exactly
 * the merge, signs a head over it (parents: the frontier that was merged, never a newer one).
 * A pass started by a received head alone skips the scan (nothing says the folder changed; the
 * apply's Expect re-checks still refuse to overwrite an edit no scan has seen).
 *
 * - A Read peer never signs: its local edits stay in its local index (merged into every apply);
 *   a file edited between scan and apply is moved aside to a conflict copy, then applied over.
 * - A Store peer has no folder: the replica alone replicates.
 * - A paused folder (root or marker gone) stops the pass before anything is published, so a
 *   vanished folder never becomes deletions; the next sync retries.
 * - The folder marker names the share (marker.ts): `start()` throws 'other-share' for a folder
 *   of another share, and a pass finding one ends in the 'error' status. `start()` first removes
 *   temporary files a crash left behind.
 *
 * - A validly signed head whose tree cannot be read (a node naming `../x`, one that does not
 *   open) is refused for good (refused.ts) and reported as a warning; the rest syncs on.
 *
 * State: see share-state.ts (the local index root, the device floor and every known head,
 * re-added on start), plus the refused head ids (refused.ts).
 */
import { blockKeys, type BlockKeys } from '../core/blocks';
import { toHex } from '../core/bytes';
import type { Capability } from '../core/capability';
import { conflictPath } from '../core/conflict';
import { randomBytes } from '../core/crypto';
import type { Drive, StateStore } from '../core/drive';
import type { DeviceId } from '../core/entry';
import { isPeerfoldError, PeerfoldError } from '../core/errors';
import { MAX_HEAD_PARENTS, signHead, type SignedHead } from '../core/head';
import { mergeTrees } from '../core/merge-tree';
import type { Address } from '../core/objects';
import type { ObjectStore } from '../core/ports';
import { Replica } from '../core/replica';
import { Session, type MessageSink } from '../core/session';
import { buildTree, treeKeys, type TreeContext } from '../core/tree';
import { applyTree } from './apply';
import { EarlyWrites } from './early-writes';
import { claimFolder } from './marker';
import { isUnreadableTree, loadRefused, refuseHead, treeDefect } from './refused';
import { ChangedDirs, existingDir, outermost } from './changed-dirs';
import { CHANGED_WHILE_READ, scanFolder } from './scanner';
import { ShareState } from './share-state';

export interface ShareOptions {
  readonly capability: Capability;
  /** The folder; absent for a Store peer. */
  readonly drive?: Drive;
  readonly store: ObjectStore;
  readonly state: StateStore;
  readonly device: DeviceId;
  readonly now: () => number;
}

export type ShareStatus =
  | { readonly state: 'idle' }
  /** A pass runs: scanning (and merging) by default, then `writing` received changes. */
  | { readonly state: 'syncing'; readonly step?: 'writing' }
  | { readonly state: 'paused'; readonly reason: string }
  | { readonly state: 'error'; readonly reason: string };

/** Passes of scan, merge and apply in one sync while local edits race the apply. */
const MAX_PASSES = 4;

export class ShareEngine {
  readonly replica: Replica;
  status: ShareStatus = { state: 'idle' };
  onChange: ((status: ShareStatus) => void) | undefined;
  /** Warnings from the replica (heads that could not be accepted). */
  readonly warnings: PeerfoldError[] = [];
  private readonly ctx: TreeContext | undefined;
  private readonly blocks: BlockKeys | undefined;
  /** Files written while their blocks arrive, where the drive can stage them. */
  private readonly early: EarlyWrites | undefined;
  private root: Address | undefined;
  private floor = 0;
  /** Change tokens of the folder's files as last read (see scanner). */
  private stamps = new Map<string, string>();
  private readonly saved: ShareState;
  private started = false;
  private running: Promise<void> | undefined;
  private again = false;
  /** Where the folder may hold changes no scan has seen: the next pass scans there first. */
  private readonly changed = new ChangedDirs();

  constructor(private readonly options: ShareOptions) {
    const cap = options.capability;
    this.saved = new ShareState(options.state);
    this.replica = new Replica(cap, options.store, {
      head: () => {
        if (this.started) void this.schedule();
      },
      tree: (head) => {
        if (this.started && this.root) this.early?.begin(head, this.root);
      },
      warning: (w) => this.warnings.push(w),
    });
    if (cap.role !== 'store') {
      if (!options.drive) throw new Error(`a ${cap.role} share needs a folder`);
      this.ctx = { store: options.store, keys: treeKeys(cap.readKey) };
      this.blocks = blockKeys(cap.readKey);
      const { drive, store } = options;
      if (drive.stage && drive.commit) {
        const blocks = this.blocks;
        this.early = new EarlyWrites({
          drive,
          ctx: this.ctx,
          blocks,
          store,
          replica: this.replica,
        });
      }
    }
  }

  /** The local index root (undefined for a Store peer or before start). */
  get localRoot(): Address | undefined {
    return this.root;
  }

  async start(): Promise<void> {
    const { capability, state } = this.options;
    await loadRefused(state, this.replica);
    for (const head of await this.saved.loadHeads(capability.publicKey)) {
      this.replica.addLocalHead(head);
    }
    if (this.ctx) {
      const drive = this.options.drive!;
      await this.cleanupTemp(drive);
      const local = await this.saved.loadLocal();
      // Only a folder never synced gets a marker: a vanished one stays paused. A marker naming
      // another share throws here, and the share does not start.
      await claimFolder(drive, capability, !local.root);
      this.floor = local.floor;
      this.root = local.root ?? (await buildTree(this.ctx, []));
      this.stamps = await this.saved.loadStamps();
    }
    this.started = true;
    await this.sync();
  }

  /**
   * Runs a sync pass that scans the folder first (it may have changed: a watcher event, the
   * periodic rescan); a call while one runs schedules one more and waits for it. Never throws.
   */
  sync(): Promise<void> {
    this.changed.all();
    return this.schedule();
  }

  /** Like `sync()`, for changes a watcher reported at these paths: scans only around them. */
  syncPaths(paths: Iterable<string>): Promise<void> {
    this.changed.add(paths);
    return this.schedule();
  }

  /** Runs (or schedules) a pass; it scans only if the folder may have changed since the last. */
  private schedule(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Stops writing files ahead and removes those written (call after the last sync). */
  async close(): Promise<void> {
    await this.early?.close();
  }

  /** A session with a new peer over this share's replica, started. */
  connect(
    send: MessageSink,
    events: { onClose?: (error?: PeerfoldError) => void; onOpen?: () => void } = {},
  ): Session {
    const session = new Session({
      replica: this.replica,
      send,
      ...events,
      randomNonce: () => randomBytes(32),
    });
    session.start();
    return session;
  }

  private setStatus(status: ShareStatus): void {
    if (JSON.stringify(status) === JSON.stringify(this.status)) return;
    this.status = status;
    this.onChange?.(status);
  }

  private async pass(): Promise<void> {
    this.setStatus({ state: 'syncing' });
    // Heads known now are merged by this pass: files written ahead for them and not taken by
    // its applies are of no further use (nor are those of heads refused meanwhile).
    const known = new Set(this.replica.graph.all().map((h) => toHex(h.id)));
    const settled = (h: SignedHead): boolean =>
      known.has(toHex(h.id)) || (!this.replica.isReceiving(h.id) && !this.replica.graph.has(h.id));
    try {
      if (this.ctx) {
        // The marker may have been swapped or recreated while running: claim it again.
        await claimFolder(this.options.drive!, this.options.capability, false);
        for (let i = 0; i < MAX_PASSES; i++) {
          // Another pass also while paths wait: files that changed while a scan read them.
          if (!(await this.folderPass()) && !this.changed.pending) break;
        }
      }
      await this.persistHeads();
      if (this.status.state === 'syncing') this.setStatus({ state: 'idle' });
    } catch (e) {
      if (isPeerfoldError(e) && e.code === 'paused') {
        this.setStatus({ state: 'paused', reason: e.message });
      } else {
        this.setStatus({ state: 'error', reason: e instanceof Error ? e.message : String(e) });
      }
    } finally {
      // Also after a pass that failed: the next writes its files from the store.
      this.early?.prune(settled);
    }
  }

  /**
   * Scan (if the folder may have changed), merge, apply, maybe publish; true when another pass
   * is needed at once. A pass for a received head alone does not scan: the apply re-checks each
   * path it touches (Expect), so an edit no scan has seen yet is refused, never overwritten.
   */
  private async folderPass(): Promise<boolean> {
    const ctx = this.ctx!;
    const drive = this.options.drive!;
    const { device, capability: cap } = this.options;
    const pending = this.changed.take(); // an event during the scans adds to the next pass
    this.setStatus({ state: 'syncing' });
    try {
      if (pending === 'all') await this.scan('');
      const dirs = pending === 'all' ? [] : pending;
      for (const dir of outermost(await Promise.all(dirs.map((d) => existingDir(drive, d))))) {
        await this.scan(dir);
      }
    } catch (e) {
      this.changed.all();
      throw e;
    }
    const local = this.root!;
    const { frontier, target } = await this.mergeFrontier(local);
    if (toHex(target) !== toHex(local)) this.setStatus({ state: 'syncing', step: 'writing' });
    const applied = await applyTree({
      drive,
      ctx,
      blocks: this.blocks!,
      store: this.options.store,
      from: local,
      to: target,
      stamps: this.stamps,
      early: this.early && ((entry) => this.early!.take(entry)),
    });
    this.root = applied.root;
    await this.persistLocal();
    if (applied.stamps.size > 0) {
      const stamps = new Map([...this.stamps, ...applied.stamps]);
      await this.saved.saveStamps(stamps);
      this.stamps = stamps;
    }
    const paused = applied.conflicts.find((c) => c.reason.startsWith('paused'));
    if (paused) {
      this.setStatus({ state: 'paused', reason: paused.reason });
      return false;
    }
    if (applied.conflicts.length > 0) {
      // Paths a local edit refused: scanned (all of the folder) before anything is published,
      // and on a Read peer moved aside. Other refusals (a block not stored, a case clash) do not
      // go away by scanning, and their files stay where they are.
      const edited = applied.conflicts.filter((c) => c.reason.startsWith('changed'));
      if (edited.length > 0) this.changed.all();
      if (cap.role === 'read') await this.keepLocalEdits(edited.map((c) => c.path));
      return true;
    }
    if (cap.role !== 'write') return false;
    const here = toHex(applied.root);
    const publish =
      frontier.length === 0
        ? here !== toHex(await buildTree(ctx, []))
        : frontier.every((h) => toHex(h.head.root) !== here);
    if (!publish) return false;
    const seq = frontier.reduce((m, h) => Math.max(m, h.head.seq), 0) + 1;
    const head = signHead(cap, {
      seq,
      parents: frontier.map((h) => h.id),
      root: applied.root,
      time: this.options.now(),
      device,
    });
    this.replica.addLocalHead(head);
    await this.persistHeads();
    return false;
  }

  /** Scans the folder below `under` ('' for all of it) into the local index (and saves it). */
  private async scan(under: string): Promise<void> {
    const scan = await scanFolder({
      under,
      drive: this.options.drive!,
      ctx: this.ctx!,
      blocks: this.blocks!,
      store: this.options.store,
      root: this.root!,
      device: this.options.device,
      floor: this.floor,
      now: this.options.now,
      stamps: this.stamps,
    });
    this.root = scan.root;
    this.floor = scan.floor;
    // A file written while it was read is read again by the next pass, not left to a watcher
    // event that may have come before the read.
    this.changed.add(
      scan.skipped.filter((s) => s.reason === CHANGED_WHILE_READ).map((s) => s.path),
    );
    await this.persistLocal();
    // A partial scan read stamps below `under` only: the others stay as they were.
    const outside = [...this.stamps].filter(
      ([path]) => under !== '' && !path.startsWith(`${under}/`),
    );
    const stamps = new Map([...outside, ...scan.stamps]);
    if (!sameStamps(this.stamps, stamps)) await this.saved.saveStamps(stamps);
    this.stamps = stamps;
  }

  /** The merge of the local index with the frontier, refusing heads whose trees cannot be read. */
  private async mergeFrontier(
    local: Address,
  ): Promise<{ frontier: SignedHead[]; target: Address }> {
    const ctx = this.ctx!;
    for (;;) {
      const frontier = this.replica.graph.frontier().slice(0, MAX_HEAD_PARENTS);
      try {
        return {
          frontier,
          target: await mergeTrees(ctx, [local, ...frontier.map((h) => h.head.root)]),
        };
      } catch (e) {
        if (!isUnreadableTree(e)) throw e;
        let refused = 0;
        for (const head of frontier) {
          const why = await treeDefect(ctx, head.head.root);
          if (!why) continue;
          const { state } = this.options;
          this.warnings.push(await refuseHead(state, this.replica, head, why));
          refused++;
        }
        if (refused === 0) throw e; // the local index itself: not a peer's doing
      }
    }
  }

  /** Removes temporary files of writes a crash interrupted; trouble there is only a warning. */
  private async cleanupTemp(drive: Drive): Promise<void> {
    try {
      await drive.cleanupTemp();
    } catch (e) {
      if (!isPeerfoldError(e)) throw e;
      this.warnings.push(new PeerfoldError(e.code, `temporary files: ${e.message}`, false));
    }
  }

  /** A Read peer's files edited during the apply: moved aside so the remote version lands. */
  private async keepLocalEdits(paths: string[]): Promise<void> {
    const drive = this.options.drive!;
    for (const path of paths) {
      const found = await drive.stat(path);
      if (found?.kind !== 'file') continue;
      try {
        await drive.rename(path, conflictPath(path, found.mtime, this.options.device), found);
      } catch (e) {
        if (!isPeerfoldError(e) || e.code === 'paused') throw e;
      }
    }
  }

  private persistLocal(): Promise<void> {
    return this.saved.saveLocal(this.root!, this.floor);
  }

  private persistHeads(): Promise<void> {
    return this.saved.saveHeads(this.replica.graph.all());
  }
}

function sameStamps(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, token] of a) if (b.get(path) !== token) return false;
  return true;
}
