/**
 * Path-level plumbing for the browser drive (fsa-drive.ts): the folder's status, handle lookups
 * that answer "nothing there" as undefined, the re-checks before a mutation, commits and moves
 * (a rename where the browser can, else a copy through an atomic writable), the mtime table,
 * and failures typed as 'paused' whenever the folder itself is not 'ok'.
 */
import type { DriveEntry, DriveStatus, Expect } from '../core/drive';
import { DEFAULT_CHUNK_BYTES, driveError, meetsExpect } from '../core/drive';
import { isPeerfoldError, PeerfoldError } from '../core/errors';
import { baseName, MARKER_DIR, parentPath, validatePath } from '../core/path';
import { canMove, child, childFile, dirAt, discard, domName, fsaError, isAbsent } from './fsa-fs';
import { isPermissionError, moveHandle, permitted, writeChunks } from './fsa-fs';
import type { DirHandle, FileHandle, RandomBytes } from './fsa-fs';
import { MetaTable } from './fsa-meta';
import { moveDir } from './fsa-walk';

const META_FILE = 'meta.json';

export abstract class FsaTree {
  protected meta: MetaTable | undefined;

  protected constructor(
    readonly root: DirHandle,
    readonly caseInsensitive: boolean,
    protected readonly random: RandomBytes,
    protected readonly useMove: boolean,
  ) {}

  async status(): Promise<DriveStatus> {
    if (!(await permitted(this.root))) return 'no-permission';
    try {
      await this.root.keys().next(); // throws NotFoundError once the directory is gone
    } catch (e) {
      return isPermissionError(e) ? 'no-permission' : 'missing-root';
    }
    try {
      await this.root.getDirectoryHandle(MARKER_DIR);
      return 'ok';
    } catch (e) {
      return isPermissionError(e) ? 'no-permission' : 'missing-marker';
    }
  }

  /** The mtime table, loaded from the marker on first use (the folder is 'ok' by then). */
  protected async table(): Promise<MetaTable> {
    if (this.meta) return this.meta;
    let json: string | undefined;
    try {
      const marker = await this.root.getDirectoryHandle(MARKER_DIR);
      json = await (await marker.getFileHandle(META_FILE)).getFile().then((f) => f.text());
    } catch (e) {
      if (!isAbsent(e)) throw await this.failure(e, META_FILE); // never start from a blank table
    }
    if (this.meta) return this.meta; // a concurrent call loaded it first
    this.meta = new MetaTable(this.caseInsensitive, (text) => this.saveMeta(text));
    this.meta.load(json);
    return this.meta;
  }

  protected async saveMeta(json: string): Promise<void> {
    const marker = await this.root.getDirectoryHandle(MARKER_DIR); // never recreates it
    await writeChunks(await marker.getFileHandle(META_FILE, { create: true }), [
      new TextEncoder().encode(json),
    ]);
  }

  /** Makes the written temporary file the target; returns the target's File. */
  protected async moveIntoPlace(dir: DirHandle, tmp: FileHandle, tmpName: string, name: string) {
    if (this.useMove && canMove(tmp)) {
      await moveHandle(tmp, dir, name); // replaces the target in one rename
      return tmp.getFile(); // the handle follows the move
    }
    const target = await dir.getFileHandle(name, { create: true });
    await writeChunks(target, streamOf(await tmp.getFile()));
    await discard(dir, tmpName);
    return target.getFile();
  }

  /** Moves a file or directory; `to` is its new path (for the mtime table). */
  protected async moveEntry(
    kind: 'file' | 'dir',
    src: DirHandle,
    name: string,
    dst: DirHandle,
    toName: string,
    to: string,
  ): Promise<void> {
    if (kind === 'file') return this.moveFile(src, name, dst, toName, to);
    return moveDir(src, name, dst, toName, (from, file, into, rel) =>
      this.moveFile(from, file, into, file, `${to}/${rel}`),
    );
  }

  /** A rename where the browser can; else a copy (atomic on close) that keeps the share mtime. */
  protected async moveFile(
    src: DirHandle,
    name: string,
    dst: DirHandle,
    toName: string,
    to: string,
  ) {
    const file = await src.getFileHandle(name);
    if (this.useMove && canMove(file)) return moveHandle(file, dst, toName);
    const before = await file.getFile();
    const target = await dst.getFileHandle(toName, { create: true });
    await writeChunks(target, streamOf(before));
    const { mtime, executable } = this.meta!.fileEntry(to, before);
    this.meta!.setFile(to, await target.getFile(), mtime, executable);
    await src.removeEntry(name);
  }

  /** The directory at `path` ('' is the root), or undefined if it is missing or a file. */
  protected dir(path: string): Promise<DirHandle | undefined> {
    return path === '' ? Promise.resolve(this.root) : dirAt(this.root, path.split('/'));
  }

  /** Creates `path` and its missing parents; 'changed' if a file is in the way. */
  protected async ensureDirs(path: string): Promise<DirHandle> {
    let at = this.root;
    try {
      for (const segment of path === '' ? [] : path.split('/')) {
        at = await at.getDirectoryHandle(segment, { create: true });
      }
    } catch (e) {
      if (domName(e) === 'TypeMismatchError')
        throw driveError('changed', path, 'a file is in the way');
      throw await this.failure(e, path);
    }
    return at;
  }

  /** The entry at `path`, or undefined (nothing there, or its parent is missing or a file). */
  protected async lookup(path: string): Promise<DriveEntry | undefined> {
    try {
      const dir = await this.dir(parentPath(path));
      const found = dir && (await child(dir, baseName(path)));
      if (found === undefined) return undefined;
      const meta = await this.table();
      if (found.kind === 'directory') return meta.dirEntry(path);
      return meta.fileEntry(path, await found.getFile());
    } catch (e) {
      if (isAbsent(e)) return undefined;
      throw await this.failure(e, path);
    }
  }

  protected async openFile(path: string): Promise<File> {
    validatePath(path);
    let handle: FileHandle | undefined;
    try {
      const dir = await this.dir(parentPath(path));
      handle = dir && (await childFile(dir, baseName(path)));
      if (handle) return await handle.getFile();
    } catch (e) {
      if (!isAbsent(e)) throw await this.failure(e, path);
    }
    const isDir = handle === undefined && (await this.lookup(path))?.kind === 'dir';
    if (isDir) throw driveError('missing', path, 'not a file');
    throw await this.absent(path);
  }

  /** What a write may replace: `expect` met, and no directory in the way. */
  protected async recheck(path: string, expect: Expect | undefined): Promise<void> {
    const found = await this.lookup(path);
    if (expect !== undefined && !meetsExpect(found, expect)) {
      throw driveError('changed', path, 'changed since it was seen; write refused');
    }
    if (found?.kind === 'dir') throw driveError('changed', path, 'a directory is in the way');
  }

  /** The entry a remove, rename or setMtime may touch (undefined: nothing there). */
  protected async guard(path: string, expect: Expect | undefined): Promise<DriveEntry | undefined> {
    const found = await this.lookup(path);
    if (found && expect !== undefined && !meetsExpect(found, expect)) {
      throw driveError('changed', path, 'changed since it was seen');
    }
    return found;
  }

  protected async entryAfter(path: string, kind: 'file' | 'dir'): Promise<DriveEntry> {
    const found = await this.lookup(path);
    if (found?.kind !== kind) {
      throw await this.failure(driveError('changed', path, 'replaced right after'), path);
    }
    return found;
  }

  protected async ensureOk(): Promise<void> {
    const s = await this.status();
    if (s !== 'ok') throw this.paused(s);
  }

  /** 'paused' if the folder is not ok (absence means nothing then), else `e` typed. */
  protected async failure(e: unknown, path: string): Promise<PeerfoldError> {
    if (isPeerfoldError(e) && e.code !== 'changed') return e;
    const s = await this.status();
    return s === 'ok' ? fsaError(e, path) : this.paused(s);
  }

  protected async absent(path: string): Promise<PeerfoldError> {
    await this.ensureOk();
    return driveError('missing', path, 'no such file or directory');
  }

  protected paused(status: DriveStatus): PeerfoldError {
    return new PeerfoldError('paused', `folder ${this.root.name}: ${status}`, false);
  }
}

/** A File's bytes as chunks, 1 MiB at a time (never whole in memory). */
async function* streamOf(file: File): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < file.size; at += DEFAULT_CHUNK_BYTES) {
    yield new Uint8Array(await file.slice(at, at + DEFAULT_CHUNK_BYTES).arrayBuffer());
  }
}
