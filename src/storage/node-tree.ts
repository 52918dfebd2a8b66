/**
 * Path-level safety for the Node drive: every operation resolves its path under the root
 * without following a symlink (a parent's realpath must be the path it should be) and looks at
 * its target with lstat, so a link a user made never carries a read or write outside the root.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, realpath, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { driveError, meetsExpect, type DriveEntry, type Expect } from '../core/drive';
import { PeerfoldError } from '../core/errors';
import { foldCase, parentPath, validatePath } from '../core/path';
import { errno, isNotFound } from './node-fs';
import { toEntry } from './node-walk';

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

export abstract class NodeTree {
  /** The root's realpath as last read (see checkDir). */
  private rootReal: string | undefined;

  protected constructor(
    readonly root: string,
    readonly caseInsensitive: boolean,
  ) {}

  /** `e` as a PeerfoldError, or 'paused' if the folder itself is gone. */
  protected abstract failure(e: unknown, path: string): Promise<PeerfoldError>;
  /** 'missing' for `path`, or 'paused' if the folder itself is gone. */
  protected abstract absent(path: string): Promise<PeerfoldError>;

  protected abs(path: string): string {
    return path === '' ? this.root : join(this.root, ...path.split('/'));
  }

  /** Throws 'bad-path' if `dir` (a directory path, '' for the root) crosses a symlink. */
  protected async checkDir(dir: string): Promise<void> {
    if (dir === '') return;
    const fold = (p: string): string => (this.caseInsensitive ? foldCase(p) : p.normalize('NFC'));
    const leadsThere = (real: string, rootReal: string): boolean =>
      fold(real) === fold(join(rootReal, ...dir.split('/')));
    try {
      // The root's realpath rarely changes: the last one is tried first, and read again only
      // when `dir` does not match it (one realpath per check instead of two). A match against
      // the last one means `dir` is really inside the folder as it was when last checked.
      const known = this.rootReal;
      const [real, rootReal] = await Promise.all([
        realpath(this.abs(dir)),
        known ?? realpath(this.root),
      ]);
      if (leadsThere(real, rootReal)) {
        this.rootReal = rootReal;
        return;
      }
      this.rootReal = undefined;
      if (known !== undefined && leadsThere(real, await realpath(this.root))) return;
    } catch (e) {
      if (isNotFound(e) || errno(e) === 'ENOTDIR') return; // nothing there to escape through
      throw await this.failure(e, dir);
    }
    throw new PeerfoldError('bad-path', `${JSON.stringify(dir)} leads through a symlink`);
  }

  /** Creates `dir` and its missing parents one level at a time, never following a link. */
  protected async ensureDirs(dir: string): Promise<string> {
    let at = '';
    for (const segment of dir === '' ? [] : dir.split('/')) {
      at = at === '' ? segment : `${at}/${segment}`;
      const found = await lstat(this.abs(at)).catch((e: unknown) => {
        if (isNotFound(e)) return undefined;
        throw e;
      });
      if (found?.isSymbolicLink()) {
        throw new PeerfoldError('bad-path', `${JSON.stringify(at)} is a symlink`);
      }
      if (found && !found.isDirectory()) throw driveError('changed', at, 'a file is in the way');
      if (!found) {
        await mkdir(this.abs(at)).catch((e: unknown) => {
          if (errno(e) !== 'EEXIST') throw e; // a racing mkdir of the same directory is fine
        });
      }
    }
    return this.abs(dir);
  }

  protected async lstatRaw(path: string): Promise<Stats | undefined> {
    try {
      return await lstat(this.abs(path));
    } catch (e) {
      if (isNotFound(e) || errno(e) === 'ENOTDIR') return undefined;
      throw await this.failure(e, path);
    }
  }

  protected async lstatEntry(path: string): Promise<DriveEntry | 'other' | undefined> {
    const st = await this.lstatRaw(path);
    return st && toEntry(path, st);
  }

  /** What a write may replace: `expect` met, and no directory or link in the way. */
  protected async recheck(path: string, expect: Expect | undefined, op: string) {
    // At once: a result read through a link is dropped when checkDir throws.
    const [, st] = await Promise.all([this.checkDir(parentPath(path)), this.lstatRaw(path)]);
    const found = st && toEntry(path, st);
    if (expect !== undefined && !meetsExpect(found, expect)) {
      throw driveError('changed', path, `changed since it was seen; ${op} refused`);
    }
    if (found === 'other' || found?.kind === 'dir') {
      throw driveError('changed', path, `not a regular file; ${op} refused`);
    }
    return st;
  }

  /** The entry a remove, rename or setMtime may touch (undefined: nothing there). */
  protected async guard(path: string, expect: Expect | undefined): Promise<DriveEntry | undefined> {
    const [, found] = await Promise.all([this.checkDir(parentPath(path)), this.lstatEntry(path)]);
    if (found === undefined) return undefined;
    if (found === 'other') throw driveError('changed', path, 'not a regular file or directory');
    if (expect !== undefined && !meetsExpect(found, expect)) {
      throw driveError('changed', path, 'changed since it was seen');
    }
    return found;
  }

  protected async entryAfter(path: string, kind: 'file' | 'dir' = 'file'): Promise<DriveEntry> {
    const found = await this.lstatEntry(path);
    if (found === undefined || found === 'other' || found.kind !== kind) {
      throw await this.failure(driveError('changed', path, 'replaced right after'), path);
    }
    return found;
  }

  /** `path` opened for reading (never through a link), with its size when opened. */
  protected async openFile(path: string): Promise<{ fh: FileHandle; size: number }> {
    validatePath(path);
    await this.checkDir(parentPath(path));
    let fh: FileHandle;
    try {
      fh = await open(this.abs(path), constants.O_RDONLY | NOFOLLOW);
    } catch (e) {
      const code = errno(e);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP')
        throw await this.absent(path);
      throw await this.failure(e, path);
    }
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      throw driveError('missing', path, 'not a file');
    }
    return { fh, size: st.size };
  }
}
