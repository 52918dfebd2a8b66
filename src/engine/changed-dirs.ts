/**
 * Which parts of a folder the next pass scans (DESIGN.md section 6): all of it after start, a
 * periodic rescan, or an event that names no path; else the directories holding the paths a
 * watcher reported, each scanned with everything below it. A rescan of one directory of a
 * 100,000-file folder reads its index range and lists it alone.
 */
import type { Drive } from '../core/drive';
import { isValidPath, parentPath } from '../core/path';

/** More directories than this in one pass: scanning the whole folder is simpler and as fast. */
const MAX_DIRS = 64;

export class ChangedDirs {
  private dirs: Set<string> | 'all' = 'all';

  /** Anything may have changed. */
  all(): void {
    this.dirs = 'all';
  }

  /** These paths (files or directories) changed: their parent directories are scanned. */
  add(paths: Iterable<string>): void {
    if (this.dirs === 'all') return;
    for (const path of paths) {
      const dir = parentPath(path);
      if (dir === '') return this.all();
      this.dirs.add(dir);
    }
    if (this.dirs.size > MAX_DIRS) this.all();
  }

  /** Whether the next pass has something to scan. */
  get pending(): boolean {
    return this.dirs === 'all' || this.dirs.size > 0;
  }

  /** What the next pass scans, now cleared: 'all', or directories none of which is below another. */
  take(): 'all' | string[] {
    const taken = this.dirs;
    this.dirs = new Set();
    return taken === 'all' ? taken : outermost(taken);
  }
}

/** The directories of `dirs` that are not below another one of them. */
export function outermost(dirs: Iterable<string>): string[] {
  const sorted = [...new Set(dirs)].sort();
  const out: string[] = [];
  for (const d of sorted) {
    if (d === '') return [''];
    if (!out.some((o) => d.startsWith(`${o}/`))) out.push(d);
  }
  return out;
}

/**
 * The nearest directory at or above `dir` that exists and has a valid index path: a deleted one
 * is scanned from its parent, one a full scan would skip (a reserved name) from above it.
 */
export async function existingDir(drive: Drive, dir: string): Promise<string> {
  for (let at = dir; at !== ''; at = parentPath(at)) {
    if (isValidPath(at) && (await drive.stat(at))?.kind === 'dir') return at;
  }
  return '';
}
