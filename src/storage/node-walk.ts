/** The Node drive's tree walks, watcher and case probe (see node-drive.ts). */
import { watch as fsWatch, type FSWatcher, type Stats } from 'node:fs';
import { lstat, readdir, unlink, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { isHiddenName, type DriveEntry } from '../core/drive';
import { MARKER_DIR, normalizePath, TEMP_PREFIX } from '../core/path';
import { discard, fsError, isNotFound, tempName } from './node-fs';
import { watchLinuxTree } from './node-watch';

/** A file or directory as the drive reports it; 'other' for symlinks and special files. */
export function toEntry(path: string, st: Stats): DriveEntry | 'other' {
  const mtime = Math.round(st.mtimeMs); // round: utimes(ms / 1000) may read back as x.999999
  if (st.isFile()) {
    const executable = (st.mode & 0o111) !== 0;
    // inode: a file swapped in by rename; ctime: an edit or rename within one mtime tick
    const change = `${st.ino}:${st.ctimeMs}`;
    return { path, kind: 'file', size: st.size, mtime, executable, change };
  }
  if (st.isDirectory()) return { path, kind: 'dir', size: 0, mtime, executable: false };
  return 'other';
}

function gone(e: unknown): boolean {
  return isNotFound(e) || (e instanceof Error && 'code' in e && e.code === 'ENOTDIR');
}

/** Directory entries with their lstat, skipping what vanished meanwhile; [] if `dir` did. */
async function statChildren(dir: string): Promise<[string, Stats][]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if (gone(e)) return [];
    throw fsError(e, dir);
  }
  const out: [string, Stats][] = [];
  // Batched lstat: a 100 000-file scan is syscall-bound, so keep several in flight.
  for (let i = 0; i < names.length; i += 64) {
    const batch = names.slice(i, i + 64);
    const stats = await Promise.all(
      batch.map((n) =>
        lstat(join(dir, n)).catch((e: unknown) => {
          if (gone(e)) return undefined;
          throw fsError(e, join(dir, n));
        }),
      ),
    );
    batch.forEach((n, j) => stats[j] && out.push([n, stats[j]]));
  }
  return out;
}

/** Files and directories below `dir` (on-disk `raw` relative path, reported as `shown`). */
export async function* walk(root: string, raw: string, shown: string): AsyncGenerator<DriveEntry> {
  const dir = raw === '' ? root : join(root, ...raw.split('/'));
  for (const [name, st] of await statChildren(dir)) {
    if (isHiddenName(name)) continue;
    const childRaw = raw === '' ? name : `${raw}/${name}`;
    const childShown = normalizePath(shown === '' ? name : `${shown}/${name}`);
    const entry = toEntry(childShown, st);
    if (entry === 'other') continue; // symlinks are never followed, special files never synced
    yield entry;
    if (entry.kind === 'dir') yield* walk(root, childRaw, childShown);
  }
}

/** Deletes temporary files anywhere below `dir` (the marker too); returns how many. */
export async function removeTemp(dir: string): Promise<number> {
  let n = 0;
  for (const [name, st] of await statChildren(dir)) {
    const path = join(dir, name);
    if (st.isDirectory()) n += await removeTemp(path);
    else if (st.isFile() && name.toLowerCase().startsWith(TEMP_PREFIX)) {
      await unlink(path).catch((e: unknown) => {
        if (!isNotFound(e)) throw fsError(e, path);
      });
      n++;
    }
  }
  return n;
}

/**
 * Watches `root` recursively: natively on macOS and Windows, with a watch per directory on Linux
 * (see node-watch.ts), else its top level only; the engine's periodic rescan covers the rest.
 * Marker events report no path, so the engine rechecks status; temporary files (ours,
 * mid-write) are not reported.
 */
export function watchTree(root: string, onChange: (path?: string) => void): () => void {
  if (process.platform === 'linux') return watchLinuxTree(root, onChange);
  const handler = (_event: string, filename: string | Buffer | null): void => {
    if (typeof filename !== 'string' || filename === '') return onChange(); // the root itself
    const path = normalizePath(filename, sep === '\\' ? '\\' : '/');
    const segments = path.split('/');
    if (segments[0]!.toLowerCase() === MARKER_DIR) return onChange();
    if (segments.some(isHiddenName)) return;
    onChange(path);
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = fsWatch(root, { recursive: true }, handler);
  } catch {
    try {
      watcher = fsWatch(root, handler);
    } catch {
      return () => undefined; // no watching at all (root gone?): rescans still run
    }
  }
  watcher.on('error', () => {
    watcher?.close();
    onChange(); // typically the root vanished: let the engine find out why
  });
  return () => watcher?.close();
}

/** Whether `root`'s file system folds case, by creating a file and looking it up upper-cased. */
export async function probeCaseInsensitive(root: string): Promise<boolean | undefined> {
  const name = tempName();
  const file = join(root, name);
  try {
    await writeFile(file, '', { flag: 'wx' });
  } catch {
    return undefined; // no root or no permission: the caller falls back to the platform's norm
  }
  try {
    await lstat(join(root, name.toUpperCase()));
    return true;
  } catch (e) {
    return isNotFound(e) ? false : undefined;
  } finally {
    await discard(file);
  }
}
