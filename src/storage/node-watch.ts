/**
 * The Node drive's tree watcher on Linux: one plain `fs.watch` (an inotify watch) per directory.
 * Node 20's `fs.watch(root, { recursive: true })` on Linux is JavaScript that calls readdirSync,
 * statSync and lstatSync on events and watches every file, blocking the event loop while a
 * transfer writes many files. inotify already reports entries created, changed, deleted or
 * renamed inside a watched directory, so files need no watch of their own; new directories are
 * found by an async lstat on 'rename' events (Node reports every directory event as 'rename').
 */
import { watch as fsWatch, type Dirent, type FSWatcher, type Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isHiddenName } from '../core/drive';
import { MARKER_DIR, normalizePath } from '../core/path';

interface DirWatch {
  rel: string; // on-disk path below the root, '' for the root itself
  name: string;
  id: string | undefined; // tells a directory from one put in its place; unknown for the root at first
  parent: DirWatch | undefined;
  marker: boolean; // the marker dir: any event in it is onChange(), its insides are not walked
  children: Map<string, DirWatch>;
  watcher?: FSWatcher;
  closed: boolean;
}

/** The stop function; `ready` settles once the initial walk has watched the tree. */
export type StopWatching = (() => void) & { ready: Promise<void> };

const settle = (p: Promise<unknown>): void => void p.catch(() => undefined);
/** ext4 reuses a deleted directory's inode number at once: with the birth time, a new one differs. */
const identity = (st: Stats): string => `${st.ino}:${st.birthtimeMs}`;

/** Same contract as `watchTree`; never throws, and reports nothing after the stop function ran. */
export function watchLinuxTree(root: string, onChange: (path?: string) => void): StopWatching {
  let stopped = false;
  const report = (path?: string): void => {
    if (!stopped) onChange(path === undefined ? undefined : normalizePath(path));
  };
  const abs = (rel: string): string => (rel === '' ? root : join(root, rel));
  const below = (dir: DirWatch, name: string): string =>
    dir.rel === '' ? name : `${dir.rel}/${name}`;
  const isMarker = (dir: DirWatch, name: string): boolean =>
    dir.rel === '' && name.toLowerCase() === MARKER_DIR;

  const close = (dir: DirWatch): void => {
    if (dir.closed) return;
    dir.closed = true;
    dir.watcher?.close();
    for (const child of dir.children.values()) close(child);
    dir.children.clear();
    if (dir.parent?.children.get(dir.name) === dir) dir.parent.children.delete(dir.name);
  };
  /** Watches `rel`; undefined if the system refuses (ENOSPC, EMFILE, EACCES, gone): rescans cover it. */
  const open = (rel: string, id: string | undefined, parent?: DirWatch): DirWatch | undefined => {
    const name = parent ? basename(rel) : '';
    const marker = parent !== undefined && isMarker(parent, name);
    const dir: DirWatch = { rel, name, id, parent, marker, children: new Map(), closed: false };
    try {
      dir.watcher = fsWatch(abs(rel), (event, filename) => onEvent(dir, event, filename));
    } catch {
      return undefined;
    }
    dir.watcher.on('error', () => (dir.parent ? close(dir) : rootGone()));
    parent?.children.set(name, dir);
    return dir;
  };

  const onEvent = (dir: DirWatch, event: string, filename: string | Buffer | null): void => {
    if (stopped || dir.closed) return;
    if (dir.marker) return report();
    if (typeof filename !== 'string' || filename === '') return report(dir.rel || undefined);
    if (isMarker(dir, filename)) {
      report();
      return settle(examine(dir, filename)); // created or removed: (un)watch it
    }
    if (isHiddenName(filename)) return;
    // Events on the watched directory itself carry its own name: check which one this is.
    if (filename === basename(abs(dir.rel))) return settle(checkSelf(dir, event, filename));
    report(below(dir, filename));
    if (event === 'rename') settle(examine(dir, filename));
  };

  const checkSelf = async (dir: DirWatch, event: string, name: string): Promise<void> => {
    const st = await lstat(abs(dir.rel)).catch(() => undefined);
    if (stopped || dir.closed) return;
    if (!st?.isDirectory() || (dir.id !== undefined && identity(st) !== dir.id)) {
      // Gone or replaced: a subdirectory's parent reports (and rewatches) it; the root cannot.
      return dir.parent ? close(dir) : rootGone();
    }
    report(below(dir, name)); // a child named like its directory
    if (event === 'rename') await examine(dir, name);
  };

  /** After a 'rename' of `name` in `dir`: watch a directory that appeared, drop one that went. */
  const examine = async (dir: DirWatch, name: string): Promise<void> => {
    const rel = below(dir, name);
    const st = await lstat(abs(rel)).catch(() => undefined);
    if (stopped || dir.closed) return;
    const known = dir.children.get(name);
    if (known && st?.isDirectory() && identity(st) === known.id) return;
    if (known) close(known);
    if (!st?.isDirectory()) return;
    const added = open(rel, identity(st), dir);
    if (!added || added.marker) return;
    await walk(added);
    report(rel); // again once watched: what was written inside before its watches existed is rescanned
  };

  /** Watches the directories below `dir` (not hidden ones, nor the marker dir's insides). */
  const walk = async (dir: DirWatch): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(abs(dir.rel), { withFileTypes: true });
    } catch {
      return; // gone meanwhile: its parent's event drops it
    }
    const dirs = entries.filter(
      (e) => e.isDirectory() && (isMarker(dir, e.name) || !isHiddenName(e.name)),
    );
    await Promise.all(
      dirs.map(async (e) => {
        const rel = below(dir, e.name);
        const st = await lstat(abs(rel)).catch(() => undefined); // before the watch: see `id`
        if (stopped || dir.closed || !st?.isDirectory() || dir.children.has(e.name)) return;
        const child = open(rel, identity(st), dir);
        if (child && !child.marker) await walk(child);
      }),
    );
  };

  const top = open('', undefined);
  if (!top) return Object.assign(() => undefined, { ready: Promise.resolve() }); // rescans still run
  const rootGone = (): void => {
    close(top);
    report(); // the engine finds out why
  };
  const stop = (): void => {
    stopped = true;
    close(top);
  };
  const start = async (): Promise<void> => {
    const st = await lstat(root).catch(() => undefined);
    if (stopped || top.closed) return;
    if (!st?.isDirectory()) return rootGone();
    top.id = identity(st);
    await walk(top);
  };
  return Object.assign(stop, { ready: start().catch(() => undefined) });
}
