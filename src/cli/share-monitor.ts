/**
 * Follows a running share for its user: derives the status (syncing / up-to-date / paused /
 * error), counts peers and transferred bytes, and on every status change emits a `status` event
 * and rewrites `status.json` in the share's data folder (read by `peerfold status`).
 */
import { toHex } from '../core/bytes';
import type { SessionStats } from '../core/session';
import type { ShareEngine } from '../engine/share';
import { writeJson } from './data-dir';

export type SyncState = 'syncing' | 'up-to-date' | 'paused' | 'error' | 'stopped';

export interface StatusReport {
  readonly state: SyncState;
  /** Why it is paused or failed, for a person. */
  readonly reason: string | null;
  readonly peers: number;
  /**
   * Distinct versions (index roots) among the frontier's heads: more than one means concurrent
   * versions not merged yet. Two writers that merged at once publish two heads of one root: 1.
   */
  readonly heads: number;
  /** The local index root (hex), null for a Store replica or before the first scan. */
  readonly root: string | null;
  /** When the share was last up to date (ms since the epoch). */
  readonly lastSync: number | null;
  /** Objects still to fetch for heads being received. */
  readonly pending: number;
}

export interface StatusFile extends StatusReport {
  readonly version: 1;
  readonly pid: number;
  readonly role: string;
  readonly dir: string | null;
  readonly port: number | null;
  readonly updated: number;
}

export interface MonitorOptions {
  readonly file: string;
  readonly role: string;
  readonly dir: string | null;
  readonly lastSync: number | null;
  readonly onStatus: (report: StatusReport) => void;
  readonly onProgress: (progress: { pending: number; received: number; sent: number }) => void;
  readonly onWriteError: (error: unknown) => void;
  /** A warning the engine recorded (a head that could not be accepted, ...). */
  readonly onWarning: (message: string) => void;
}

const TICK_MS = 500;
const PROGRESS_MS = 1_000;

/** A paused drive's reason (`<root>: missing-marker`) in words. */
export function explainReason(reason: string): string {
  if (reason.includes('missing-root')) return 'the folder is gone';
  if (reason.includes('missing-marker')) return 'the folder marker .peerfold is missing';
  if (reason.includes('no-permission')) return 'no permission to use the folder';
  return reason;
}

/** What the monitor needs of a connected peer. */
export interface PeerStatsSource {
  readonly state: 'handshake' | 'open';
  readonly stats?: SessionStats;
}

export class ShareMonitor {
  port: number | null = null;
  /** The network's live connections, once it runs. */
  peerSource: () => readonly PeerStatsSource[] = () => [];
  private closedBytes = { received: 0, sent: 0 };
  private last: StatusReport | undefined;
  private lastSync: number | null;
  private lastProgress = { at: 0, key: '0/0/0' };
  private timer: ReturnType<typeof setInterval> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private warningsSeen = 0;

  constructor(
    private readonly engine: ShareEngine,
    private readonly options: MonitorOptions,
  ) {
    this.lastSync = options.lastSync;
  }

  start(): void {
    this.engine.onChange = () => this.update();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.update();
  }

  /** Keeps the byte counts of a proven peer that left (call `update()` after reporting it). */
  peerClosed(stats: SessionStats | undefined): void {
    this.closedBytes.received += stats?.bytesReceived ?? 0;
    this.closedBytes.sent += stats?.bytesSent ?? 0;
  }

  /** Proven peers connected now. */
  get peerCount(): number {
    return this.peerSource().filter((p) => p.state === 'open').length;
  }

  /** The status now. */
  report(state?: SyncState): StatusReport {
    const status = this.engine.status;
    const pending = this.engine.replica.pending;
    let derived: SyncState = 'up-to-date';
    let reason: string | null = null;
    if (status.state === 'paused' || status.state === 'error') {
      derived = status.state;
      reason = explainReason(status.reason);
    } else if (status.state === 'syncing' || pending > 0) derived = 'syncing';
    const root = this.engine.localRoot;
    return {
      state: state ?? derived,
      reason,
      peers: state === 'stopped' ? 0 : this.peerCount,
      heads: new Set(this.engine.replica.graph.frontier().map((h) => toHex(h.head.root))).size,
      root: root ? toHex(root) : null,
      lastSync: this.lastSync,
      pending,
    };
  }

  /** Emits and writes the status if it changed. */
  update(state?: SyncState): void {
    const report = this.report(state);
    if (report.state === 'up-to-date' && this.last?.state !== 'up-to-date') {
      this.lastSync = Date.now();
    }
    const now = { ...report, lastSync: this.lastSync };
    const key = (r: StatusReport): string => JSON.stringify({ ...r, lastSync: 0, pending: 0 });
    if (this.last && key(this.last) === key(now)) return;
    this.last = now;
    this.options.onStatus(now);
    this.persist(now);
  }

  /** Stops following; writes the final 'stopped' status. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.engine.onChange = undefined;
    this.update('stopped');
    await this.writing;
  }

  private tick(): void {
    this.update();
    const { warnings } = this.engine;
    for (; this.warningsSeen < warnings.length; this.warningsSeen++) {
      this.options.onWarning(warnings[this.warningsSeen]!.message);
    }
    let received = this.closedBytes.received;
    let sent = this.closedBytes.sent;
    for (const p of this.peerSource()) {
      received += p.stats?.bytesReceived ?? 0;
      sent += p.stats?.bytesSent ?? 0;
    }
    const pending = this.engine.replica.pending;
    const key = `${pending}/${received}/${sent}`;
    const due = Date.now() - this.lastProgress.at >= PROGRESS_MS;
    if (key === this.lastProgress.key || !due) return;
    this.lastProgress = { at: Date.now(), key };
    this.options.onProgress({ pending, received, sent });
  }

  private persist(report: StatusReport): void {
    const file: StatusFile = {
      version: 1,
      ...report,
      pid: process.pid,
      role: this.options.role,
      dir: this.options.dir,
      port: this.port,
      updated: Date.now(),
    };
    this.writing = this.writing
      .then(() => writeJson(this.options.file, file))
      .catch((e: unknown) => this.options.onWriteError(e));
  }
}
