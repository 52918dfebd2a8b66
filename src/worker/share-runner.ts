/**
 * One share running in the worker: its adapters (FsaDrive over the picked folder or a private
 * OPFS folder, the share's objects in OPFS packs, IdbStateStore), a ShareEngine, and watchShare
 * keeping the index following the folder. One tab at a time runs a share (share-lock.ts); the
 * others say so and take over when it closes. It reports what the page shows (share-view.ts).
 * Lifecycle changes (open, permission, leave) run one at a time.
 *
 * Until the page holds read-write permission for a picked folder nothing opens it: the share is
 * paused and says why. A start that fails because the folder is gone is retried every few
 * seconds, so the share resumes when the folder comes back.
 */
import { discoveryKey, type Capability } from '../core/capability';
import { isPeerfoldError } from '../core/errors';
import { treeKeys, type TreeContext } from '../core/tree';
import type { FolderSource } from '../engine/api';
import { ShareEngine } from '../engine/share';
import { watchShare } from '../engine/watch';
import { FsaDrive } from '../storage/fsa-drive';
import { IdbStateStore } from '../storage/idb-state-store';
import { ProgressDrive } from './progress-drive';
import { ShareLock } from './share-lock';
import { SharePeers } from './share-peers';
import { deviceIdFor, destroyShareStorage, forgetFolder, hasShareStorage } from './share-storage';
import { lockName } from './share-storage';
import { openObjects, privateFolder, stateName, type ShareObjects } from './share-storage';
import { ShareView, type ViewReport } from './share-view';

/** Rescans without FileSystemObserver (timer) and with it (a safety net for dropped events). */
const RESCAN_MS = { observed: 60_000, polled: 10_000 };
const RETRY_START_MS = 2_000;

interface Running {
  readonly engine: ShareEngine;
  readonly drive: ProgressDrive | undefined;
  readonly fsa: FsaDrive | undefined;
  stopWatch: () => void;
  /** The sync the watcher or a command started last. */
  last: Promise<void>;
}

export class ShareRunner {
  private folder: FolderSource = { kind: 'none' };
  private permitted = true;
  private running: Running | undefined;
  private state: IdbStateStore | undefined;
  private store: ShareObjects | undefined;
  private readonly lock: ShareLock;
  private queue: Promise<void> = Promise.resolve();
  private retry: ReturnType<typeof setTimeout> | undefined;
  /** Stopped or left: nothing starts it again (a stronger capability gets a new runner). */
  private ended = false;
  readonly view: ShareView;
  private readonly peers: SharePeers;

  constructor(
    readonly id: string,
    private readonly cap: Capability,
    report: ViewReport & { linkEnded(link: number): void },
  ) {
    this.view = new ShareView(report, cap.role === 'store');
    this.lock = new ShareLock(lockName(id));
    this.peers = new SharePeers(discoveryKey(cap), {
      changed: () => this.view.peersChanged(),
      linkEnded: (link) => report.linkEnded(link),
    });
  }

  /** A WebRTC data channel the page connected for this share (closed if the share is not running). */
  takeChannel(link: number, initiator: boolean, channel: RTCDataChannel): void {
    this.peers.take(link, initiator, channel);
  }

  /** The tree context for reading the index (undefined for a Store copy). */
  get ctx(): TreeContext | undefined {
    if (this.cap.role === 'store' || !this.store) return undefined;
    return { store: this.store, keys: treeKeys(this.cap.readKey) };
  }

  get engine(): ShareEngine | undefined {
    return this.running?.engine;
  }

  /** The folder's drive while the share runs with one. */
  get drive(): FsaDrive | undefined {
    return this.running?.fsa;
  }

  get inPrivateStorage(): boolean {
    return this.folder.kind === 'private';
  }

  /** (Re)configures the folder and permission; restarts only when the folder changed. */
  configure(folder: FolderSource, permitted: boolean, replaced: boolean): Promise<void> {
    return this.serial(async () => {
      const same = !replaced && (await sameFolder(this.folder, folder));
      this.permitted = permitted;
      if (same && this.running) return;
      await this.halt();
      this.folder = folder;
      if (replaced) await forgetFolder(this.stateStore());
      await this.start();
    });
  }

  setPermission(permitted: boolean): Promise<void> {
    return this.serial(async () => {
      this.permitted = permitted;
      if (!permitted) {
        await this.halt();
        this.view.paused('no-permission');
      } else if (this.running) this.sync();
      else await this.start();
    });
  }

  /** A sync pass now (or a start, if the last one failed). */
  rescan(): void {
    if (this.running) this.sync();
    else void this.serial(() => this.start());
  }

  sync(): void {
    const r = this.running;
    if (r) r.last = r.engine.sync();
  }

  /** Stops the engine; the share's state stays (a stronger capability replaces this runner). */
  stop(): Promise<void> {
    return this.serial(async () => {
      this.ended = true;
      await this.halt();
      this.view.close();
      await this.closeStores();
    });
  }

  /**
   * Stops the engine, then deletes the share's objects and state (and its private folder).
   * False, with nothing done, while another tab runs the share: its files are open there.
   */
  leave(): Promise<boolean> {
    return this.serial(async () => {
      if (!(await this.lock.tryTake())) return false;
      this.ended = true;
      const privateToo = this.folder.kind === 'private';
      await this.halt();
      this.view.close();
      try {
        await this.closeStores(false);
        await destroyShareStorage(this.id, privateToo);
      } finally {
        this.lock.release();
      }
      return true;
    });
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task);
    this.queue = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  /** Closes the state and object stores and (unless told not to) lets another tab run the share. */
  private async closeStores(release = true): Promise<void> {
    await this.state?.close();
    const store = this.store;
    this.store = undefined;
    try {
      await store?.close?.();
    } finally {
      if (release) this.lock.release();
    }
  }

  private retryStart(): void {
    this.retry = setTimeout(() => void this.serial(() => this.start()), RETRY_START_MS);
  }

  /** The share's objects, opened once this tab holds the share (undefined: another tab has it). */
  private async objects(): Promise<ShareObjects | undefined> {
    if (this.store) return this.store;
    if (!(await this.lock.tryTake())) {
      this.lock.wait(() => void this.serial(() => this.takeOver()));
      return undefined;
    }
    try {
      this.store = await openObjects(this.id);
    } catch (e) {
      this.lock.release();
      throw e;
    }
    return this.store;
  }

  /**
   * The tab that ran the share closed or left it. If it left, the share's storage is gone and
   * the share is no longer in this browser's list: this tab must not bring it back.
   */
  private async takeOver(): Promise<void> {
    if (await hasShareStorage(this.id)) return this.start();
    this.ended = true;
    this.lock.release();
    this.view.left();
  }

  private stateStore(): IdbStateStore {
    this.state ??= new IdbStateStore(stateName(this.id));
    return this.state;
  }

  private async start(): Promise<void> {
    clearTimeout(this.retry);
    if (this.running || this.ended) return;
    try {
      await this.startEngine();
    } finally {
      // Channels wait for a start only while one can succeed.
      if (!this.running) await this.peers.stop();
    }
  }

  private async startEngine(): Promise<void> {
    const needsFolder = this.cap.role !== 'store';
    if (needsFolder && this.folder.kind === 'none') return this.view.noFolder();
    if (needsFolder && !this.permitted) return this.view.paused('no-permission');
    let store: ShareObjects | undefined;
    try {
      store = await this.objects();
    } catch (e) {
      // The last holder's files may outlive its lock for a moment (a tab closing): try again.
      await this.view.failedStart(e, undefined);
      if (isPeerfoldError(e, 'changed')) this.retryStart();
      return;
    }
    if (!store) return this.view.paused('other-tab');
    this.view.starting();
    this.peers.accept();
    const state = this.stateStore();
    let fsa: FsaDrive | undefined;
    let drive: ProgressDrive | undefined;
    if (needsFolder) {
      const root =
        this.folder.kind === 'picked'
          ? (this.folder.handle as unknown as FileSystemDirectoryHandle)
          : await privateFolder(this.id);
      fsa = await FsaDrive.open(root);
      drive = new ProgressDrive(fsa, () => this.view.progressed());
    }
    const engine = new ShareEngine({
      capability: this.cap,
      drive,
      store,
      state,
      device: await deviceIdFor(state),
      now: Date.now,
    });
    this.view.attach(engine, drive, fsa, this.ctx);
    try {
      await engine.start();
    } catch (e) {
      this.view.detach();
      await this.view.failedStart(e, fsa);
      if (isPeerfoldError(e, 'paused')) this.retryStart();
      return;
    }
    const running: Running = {
      engine,
      drive,
      fsa,
      stopWatch: () => undefined,
      last: Promise.resolve(),
    };
    this.running = running;
    await this.peers.start(engine);
    this.view.showPeers(() => this.peers.snapshot());
    if (drive) {
      const observed = 'FileSystemObserver' in globalThis;
      running.stopWatch = watchShare(
        {
          sync: () => (running.last = engine.sync()),
          syncPaths: (paths) => (running.last = engine.syncPaths(paths)),
          get status() {
            return engine.status;
          },
        },
        drive,
        { rescanMs: observed ? RESCAN_MS.observed : RESCAN_MS.polled },
      );
    }
  }

  /** Stops watching and waits for the pass in flight; the adapters stay open for reuse. */
  private async halt(): Promise<void> {
    clearTimeout(this.retry);
    const r = this.running;
    if (!r) return;
    this.running = undefined;
    this.view.showPeers(undefined);
    await this.peers.stop();
    r.stopWatch();
    await r.last.catch(() => undefined);
    await r.fsa?.flush().catch(() => undefined);
    this.view.detach();
  }
}

async function sameFolder(a: FolderSource, b: FolderSource): Promise<boolean> {
  if (a.kind !== b.kind) return false;
  if (a.kind !== 'picked' || b.kind !== 'picked') return true;
  const ha = a.handle as unknown as FileSystemHandle;
  return ha.isSameEntry(b.handle as unknown as FileSystemHandle).catch(() => false);
}
