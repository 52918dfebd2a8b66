/**
 * The watcher (DESIGN.md section 6): keeps a running share's index following its folder.
 *
 * - Change events from `drive.watch` are debounced into one sync: a burst of writes (an unpacked
 *   archive, a build) costs one scan, yet a steady stream still syncs every `maxDelayMs`. Events
 *   that name paths make it `syncPaths` (only their directories are scanned); one that names no
 *   path makes it a whole `sync()`.
 * - A periodic rescan every `rescanMs` is the safety net for events the platform drops (fs.watch
 *   is best effort: overflowing queues, network file systems, non-recursive platforms).
 * - While the share is paused (root or marker gone), the folder is checked every `resumeCheckMs`;
 *   once it is back, the watch is renewed (the old one died with the root) and a sync runs. If
 *   the reason changed meanwhile (root back, marker still missing), a pass updates the status.
 */
import type { Drive } from '../core/drive';
import type { ShareStatus } from './share';

/** What the watcher needs of a ShareEngine. */
export interface Syncable {
  /** Runs (or schedules) a sync pass that scans the whole folder; never throws. */
  sync(): Promise<void>;
  /** Like `sync()`, scanning only around these changed paths. */
  syncPaths?(paths: Iterable<string>): Promise<void>;
  readonly status: ShareStatus;
}

export interface WatchOptions {
  /** Quiet time after the last change before a sync starts. */
  readonly debounceMs?: number;
  /** Longest a stream of changes may postpone a sync. */
  readonly maxDelayMs?: number;
  /** Interval of the safety-net rescan. */
  readonly rescanMs?: number;
  /** How often a paused folder is checked for its return. */
  readonly resumeCheckMs?: number;
  /** Trouble that stops nothing (a failed status check). */
  readonly onError?: (error: unknown) => void;
}

export const WATCH_DEFAULTS = {
  debounceMs: 300,
  maxDelayMs: 5_000,
  rescanMs: 60_000,
  resumeCheckMs: 1_000,
} as const;

type Timer = ReturnType<typeof setTimeout>;

/** Paths kept between syncs; a burst of more (an unpacked archive) makes it a whole sync. */
const MAX_PATHS = 1000;

/** Starts watching; returns a function that stops every event handler and timer. */
export function watchShare(engine: Syncable, drive: Drive, options: WatchOptions = {}): () => void {
  const debounceMs = options.debounceMs ?? WATCH_DEFAULTS.debounceMs;
  const maxDelayMs = options.maxDelayMs ?? WATCH_DEFAULTS.maxDelayMs;
  let stopped = false;
  let quiet: Timer | undefined;
  let longest: Timer | undefined;
  let checking = false;
  /** What changed since the last sync: paths, or anything. */
  let changed: Set<string> | 'all' = new Set();

  const fire = (): void => {
    clearTimeout(quiet);
    clearTimeout(longest);
    quiet = longest = undefined;
    const paths = changed;
    changed = new Set();
    if (stopped) return;
    if (paths === 'all' || !engine.syncPaths) void engine.sync();
    else void engine.syncPaths(paths);
  };
  const fireAll = (): void => {
    changed = 'all';
    fire();
  };
  const onChange = (path?: string): void => {
    if (stopped) return;
    if (path === undefined || (changed !== 'all' && changed.size >= MAX_PATHS)) changed = 'all';
    else if (changed !== 'all') changed.add(path);
    clearTimeout(quiet);
    quiet = setTimeout(fire, debounceMs);
    longest ??= setTimeout(fire, maxDelayMs);
  };
  let unwatch = drive.watch(onChange);

  const checkResume = async (): Promise<void> => {
    if (checking || engine.status.state !== 'paused') return;
    checking = true;
    try {
      const status = await drive.status();
      if (stopped) return;
      if (status !== 'ok') {
        // Still paused, but maybe for another reason now (the root came back without its
        // marker): a pass re-reads why, so the user sees what to do next.
        const { status: now } = engine;
        if (now.state === 'paused' && !now.reason.includes(status)) fireAll();
        return;
      }
      unwatch();
      unwatch = drive.watch(onChange);
      fireAll();
    } catch (e) {
      options.onError?.(e);
    } finally {
      checking = false;
    }
  };

  const rescan = setInterval(fireAll, options.rescanMs ?? WATCH_DEFAULTS.rescanMs);
  const resume = setInterval(
    () => void checkResume(),
    options.resumeCheckMs ?? WATCH_DEFAULTS.resumeCheckMs,
  );
  return () => {
    stopped = true;
    clearTimeout(quiet);
    clearTimeout(longest);
    clearInterval(rescan);
    clearInterval(resume);
    unwatch();
  };
}
