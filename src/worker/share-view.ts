/**
 * What the page sees of one running share: the engine's status turned into a phase with a
 * reason in plain words, the scan's progress (throttled), the last reading work measured in the
 * worker, counts and the file list from the index, and the origin's storage use.
 */
import type { DriveStatus } from '../core/drive';
import { isPeerfoldError } from '../core/errors';
import type { TreeContext } from '../core/tree';
import type { FileView, PauseReason, Phase, ShareCounts, ShareStatusView } from '../engine/api';
import type { ScanTiming } from '../engine/api';
import { listFiles, newestHead } from '../engine/file-list';
import type { ShareEngine, ShareStatus } from '../engine/share';
import type { FsaDrive } from '../storage/fsa-drive';
import type { ProgressDrive } from './progress-drive';
import type { PeersSnapshot } from './share-peers';

export interface ViewReport {
  status(view: ShareStatusView): void;
  files(files: FileView[], more: number): void;
}

/** Files listed to the page at most (the counts cover all). */
const FILE_LIMIT = 2000;
const PROGRESS_EVERY_MS = 200;

interface Base {
  phase: Phase;
  reason?: PauseReason;
  message?: string;
}

export class ShareView {
  private base: Base = { phase: 'starting' };
  private engine: ShareEngine | undefined;
  private drive: ProgressDrive | undefined;
  private fsa: FsaDrive | undefined;
  private ctx: TreeContext | undefined;
  private lastScan: ScanTiming | undefined;
  private counts: ShareCounts | undefined;
  private versions: number | undefined;
  private storage: { usage: number; quota: number } | undefined;
  private tick: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<void> | undefined;
  private closed = false;
  private peers: (() => PeersSnapshot) | undefined;

  constructor(
    private readonly report: ViewReport,
    private readonly isStore: boolean,
  ) {}

  attach(engine: ShareEngine, drive?: ProgressDrive, fsa?: FsaDrive, ctx?: TreeContext): void {
    this.engine = engine;
    this.drive = drive;
    this.fsa = fsa;
    this.ctx = ctx;
    engine.onChange = (s) => void this.onEngine(s);
  }

  detach(): void {
    if (this.engine) this.engine.onChange = undefined;
    this.engine = this.drive = this.fsa = undefined;
  }

  /** Where the peers and what is arriving are read from (SharePeers), posted with the status. */
  showPeers(source: (() => PeersSnapshot) | undefined): void {
    this.peers = source;
    this.post();
  }

  /** Peers changed or moved bytes. */
  peersChanged(): void {
    this.post();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.tick);
  }

  starting(): void {
    this.set({ phase: 'starting' });
  }
  noFolder(): void {
    this.set({ phase: 'no-folder' });
  }
  paused(reason: PauseReason): void {
    this.set({ phase: 'paused', reason });
  }

  /** Another tab left the share while this one waited to run it. */
  left(): void {
    this.set({
      phase: 'error',
      message: 'You left this share in another tab. Reload this page to update the list.',
    });
  }

  async failedStart(e: unknown, fsa: FsaDrive | undefined): Promise<void> {
    if (isPeerfoldError(e, 'paused')) return this.paused(pauseReason(await safeStatus(fsa), e));
    this.set(plainError(e instanceof Error ? e.message : String(e)));
  }

  /** The scan moved on: post at most every PROGRESS_EVERY_MS. */
  progressed(): void {
    if (this.tick !== undefined || this.base.phase !== 'scanning') return;
    this.tick = setTimeout(() => {
      this.tick = undefined;
      this.post();
    }, PROGRESS_EVERY_MS);
  }

  /** Re-reads counts, files and storage use, then posts. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const engine = this.engine;
    if (engine) {
      this.versions = engine.replica.graph.size;
      const root = engine.localRoot;
      if (this.ctx && root) {
        const head = newestHead(engine.replica.graph.frontier());
        const listing = await listFiles(this.ctx, root, head?.head.root, FILE_LIMIT);
        this.counts = listing.counts;
        if (!this.closed) this.report.files(listing.files, listing.more);
      }
    }
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
    if (estimate?.quota) this.storage = { usage: estimate.usage ?? 0, quota: estimate.quota };
    this.post();
  }

  private async onEngine(s: ShareStatus): Promise<void> {
    if (s.state === 'syncing') {
      // A sync's later passes (after its writing step) keep counting what it read.
      const writing = this.base.phase === 'writing';
      if (s.step === 'writing') return this.set({ phase: 'writing' });
      if (!writing) this.drive?.reset();
      return this.set({ phase: 'scanning' });
    }
    if (s.state === 'idle') {
      const read = this.drive?.measured();
      if (read && read.files > 0) this.lastScan = read;
      this.base = { phase: 'up-to-date' };
      return this.refresh().catch((e: unknown) => this.set(plainError(String(e))));
    }
    if (s.state === 'paused') return this.paused(pauseReason(await safeStatus(this.fsa), s));
    this.set(plainError(s.reason));
  }

  private set(base: Base): void {
    this.base = base;
    this.post();
  }

  private post(): void {
    if (this.closed) return;
    const scanning = this.base.phase === 'scanning';
    const net = this.peers?.();
    const receiving = this.base.phase === 'up-to-date' && net?.transfer !== undefined;
    this.report.status({
      ...this.base,
      ...(receiving && { phase: 'receiving' as const }),
      ...(scanning && this.drive ? { progress: this.drive.current() } : {}),
      ...(this.lastScan ? { lastScan: this.lastScan } : {}),
      ...(this.counts && !this.isStore ? { counts: this.counts } : {}),
      ...(this.versions !== undefined ? { versions: this.versions } : {}),
      ...(this.storage ? { storage: this.storage } : {}),
      peers: net?.peers ?? 0,
      ...(net && { peerList: net.peerList }),
      ...(net?.transfer && { transfer: net.transfer }),
    });
  }
}

async function safeStatus(fsa: FsaDrive | undefined): Promise<DriveStatus | undefined> {
  return fsa?.status().catch(() => undefined);
}

/** Why a share paused: the drive's own answer, else the words of the pause. */
function pauseReason(status: DriveStatus | undefined, cause: unknown): PauseReason {
  if (status && status !== 'ok') return status;
  const text = cause instanceof Error ? cause.message : JSON.stringify(cause);
  if (/no-permission/.test(text)) return 'no-permission';
  if (/missing-marker/.test(text)) return 'missing-marker';
  if (/quota|no-space/i.test(text)) return 'over-quota';
  return 'missing-root';
}

/** An error as the page shows it: a full disk or quota is a pause, the rest plain words. */
function plainError(message: string): Base {
  if (/quota|no-space|QuotaExceeded/i.test(message))
    return { phase: 'paused', reason: 'over-quota' };
  if (/another share|not a Peerfold share marker/.test(message)) {
    return {
      phase: 'error',
      message: 'This folder belongs to another share. Choose a different, empty folder for it.',
    };
  }
  return { phase: 'error', message: `Sync stopped: ${message}` };
}
