/**
 * The browser drive (the Drive port, core/drive.ts) over a FileSystemDirectoryHandle: a folder
 * the user picked (showDirectoryPicker) or a directory in the origin-private file system.
 *
 * Writes go to a temporary file beside the target through a writable stream, which the browser
 * commits atomically on close() (it writes a swap file and renames it); after the re-check the
 * temporary file is moved over the target (a rename: the old file or the new one, never a
 * part). Where a browser cannot move files, the temporary file is copied into the target through
 * another writable, whose close() is again an atomic swap. Directory renames move file by file
 * where directory handles cannot move (Chromium): see fsa-walk.ts. Lookups, re-checks, moves
 * and the typing of failures are in fsa-tree.ts; docs/STORAGE.md sums it up.
 *
 * The API has no mtimes to set and no executable bit: fsa-meta.ts keeps them in the marker.
 * Permission: a handle whose permission is not 'granted' makes the drive 'no-permission', and
 * every operation 'paused', like a vanished root. There are no symlinks in this API.
 */
import type { Drive, DriveEntry, Expect, WriteOptions } from '../core/drive';
import { checkRange, DEFAULT_CHUNK_BYTES, driveError, MARKER_FILE } from '../core/drive';
import { baseName, foldCase, MARKER_DIR, parentPath, validatePath } from '../core/path';
import { discard, domName, isAbsent, tempName, webRandomBytes, writeChunks } from './fsa-fs';
import type { DirHandle, RandomBytes } from './fsa-fs';
import { FsaTree } from './fsa-tree';
import { observe, probeCaseInsensitive, removeTemp, walk } from './fsa-walk';

export interface FsaDriveOptions {
  /** Overrides the probe (a drive opened before permission was granted cannot probe). */
  readonly caseInsensitive?: boolean;
  readonly randomBytes?: RandomBytes;
  /** false: never move files, copy them (the path for browsers without `move`; tests). */
  readonly move?: boolean;
}

export class FsaDrive extends FsaTree implements Drive {
  /** A drive on `root`; probes whether it folds case (true if it cannot tell: the safe side). */
  static async open(root: DirHandle, options: FsaDriveOptions = {}): Promise<FsaDrive> {
    const random = options.randomBytes ?? webRandomBytes;
    const ci = options.caseInsensitive ?? (await probeCaseInsensitive(root, tempName(random)));
    return new FsaDrive(root, ci ?? true, random, options.move ?? true);
  }

  private readonly listeners = new Set<(path?: string) => void>();

  async createMarker(): Promise<void> {
    const s = await this.status();
    if (s === 'missing-root' || s === 'no-permission') throw this.paused(s);
    await this.root.getDirectoryHandle(MARKER_DIR, { create: true }).catch(async (e: unknown) => {
      throw await this.failure(e, MARKER_DIR);
    });
  }

  async readMarker(): Promise<Uint8Array | undefined> {
    try {
      const marker = await this.root.getDirectoryHandle(MARKER_DIR);
      const file = await (await marker.getFileHandle(MARKER_FILE)).getFile();
      return new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      if (isAbsent(e)) return undefined;
      throw await this.failure(e, MARKER_FILE);
    }
  }

  async writeMarker(bytes: Uint8Array): Promise<void> {
    await this.createMarker();
    try {
      const marker = await this.root.getDirectoryHandle(MARKER_DIR);
      await writeChunks(await marker.getFileHandle(MARKER_FILE, { create: true }), [bytes]);
    } catch (e) {
      throw await this.failure(e, MARKER_FILE);
    }
  }

  async *list(under?: string): AsyncGenerator<DriveEntry> {
    if (under !== undefined) validatePath(under);
    await this.ensureOk();
    const meta = await this.table();
    const gen = meta.gen;
    const seen = new Set<string>();
    const dir = await this.dir(under ?? '').catch(async (e: unknown) => {
      throw await this.failure(e, under ?? '');
    });
    if (dir) {
      try {
        yield* walk(dir, under ?? '', meta, seen);
      } catch (e) {
        throw await this.failure(e, under ?? '');
      }
    }
    await this.ensureOk(); // the root may have vanished mid-walk: then the walk is not the truth
    if (under === undefined) meta.prune(seen, gen);
  }

  async stat(path: string): Promise<DriveEntry | undefined> {
    validatePath(path);
    const found = await this.lookup(path);
    if (found === undefined) await this.ensureOk();
    return found;
  }

  async read(path: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(path, offset, length);
    for (let attempt = 0; ; attempt++) {
      const file = await this.openFile(path);
      try {
        return new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
      } catch (e) {
        // NotReadable: replaced since getFile(); one range is read afresh from the new file.
        if (domName(e) !== 'NotReadableError' || attempt > 0) throw await this.failure(e, path);
      }
    }
  }

  async *readStream(path: string, chunkBytes = DEFAULT_CHUNK_BYTES): AsyncGenerator<Uint8Array> {
    checkRange(path, 0, chunkBytes, 1);
    const file = await this.openFile(path);
    for (let at = 0; at < file.size; at += chunkBytes) {
      let bytes: ArrayBuffer;
      try {
        bytes = await file.slice(at, at + chunkBytes).arrayBuffer();
      } catch (e) {
        // A File is a snapshot that becomes unreadable once the file is replaced or removed:
        // the reader gets 'changed' (or 'paused'), never a mix of two versions.
        const why = isAbsent(e) ? new DOMException('removed while read', 'NotReadableError') : e;
        throw await this.failure(why, path);
      }
      yield new Uint8Array(bytes);
    }
  }

  async write(
    path: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: WriteOptions,
  ): Promise<DriveEntry> {
    validatePath(path);
    await this.ensureOk();
    const meta = await this.table();
    await this.recheck(path, options.expect);
    const dir = await this.ensureDirs(parentPath(path));
    const name = baseName(path);
    const tmpName = tempName(this.random);
    let crashed = false;
    try {
      const tmp = await dir.getFileHandle(tmpName, { create: true });
      await writeChunks(tmp, data);
      await options.beforeCommit?.().catch((e: unknown) => {
        crashed = true; // as if the tab closed here: the temporary file stays
        throw e;
      });
      await this.recheck(path, options.expect);
      const committed = await this.moveIntoPlace(dir, tmp, tmpName, name);
      meta.setFile(path, committed, options.mtime, options.executable);
    } catch (e) {
      if (!crashed) await discard(dir, tmpName);
      throw await this.failure(e, path);
    }
    this.notify(path);
    return this.entryAfter(path, 'file');
  }

  async mkdir(path: string): Promise<DriveEntry> {
    validatePath(path);
    await this.ensureOk();
    await this.ensureDirs(path);
    return this.entryAfter(path, 'dir');
  }

  async remove(path: string, expect?: Expect): Promise<void> {
    validatePath(path);
    await this.ensureOk();
    const meta = await this.table();
    const found = await this.guard(path, expect);
    if (found === undefined) return;
    try {
      const dir = await this.dir(parentPath(path));
      await dir?.removeEntry(baseName(path)); // not recursive: a non-empty directory is 'changed'
    } catch (e) {
      if (!isAbsent(e)) throw await this.failure(e, path);
    }
    meta.remove(path);
    this.notify(path);
  }

  async rename(from: string, to: string, expect?: Expect): Promise<DriveEntry> {
    validatePath(from);
    validatePath(to);
    await this.ensureOk();
    const meta = await this.table();
    const found = await this.guard(from, expect);
    if (found === undefined) throw await this.absent(from);
    if (from === to) return found;
    const fold = (p: string): string => (this.caseInsensitive ? foldCase(p) : p);
    const caseOnly = fold(from) === fold(to);
    if (!caseOnly && (await this.lookup(to)) !== undefined) {
      throw driveError('changed', to, 'the destination exists');
    }
    if (!caseOnly && fold(`${to}/`).startsWith(fold(`${from}/`))) {
      throw driveError('io', to, 'cannot move a directory into itself');
    }
    meta.move(from, to); // first: a file copied rather than moved re-stamps its moved record
    try {
      const src = (await this.dir(parentPath(from)))!;
      const dst = await this.ensureDirs(parentPath(to));
      let name = baseName(from);
      if (caseOnly) {
        const step = tempName(this.random); // via a temporary name: 'a' -> 'A' is one file
        await this.moveEntry(found.kind, src, name, src, step, to);
        name = step;
      }
      await this.moveEntry(found.kind, src, name, dst, baseName(to), to);
    } catch (e) {
      throw await this.failure(e, to);
    }
    this.notify(from);
    this.notify(to);
    return this.entryAfter(to, found.kind);
  }

  async setMtime(path: string, mtime: number, expect?: Expect): Promise<DriveEntry> {
    validatePath(path);
    await this.ensureOk();
    const meta = await this.table();
    const found = await this.guard(path, expect);
    if (found === undefined) throw await this.absent(path);
    if (found.kind === 'dir') meta.setDir(path, mtime);
    else {
      const file = await this.openFile(path);
      meta.setFile(path, file, mtime, found.executable);
    }
    this.notify(path);
    return this.entryAfter(path, found.kind);
  }

  async cleanupTemp(): Promise<number> {
    try {
      return await removeTemp(this.root);
    } catch (e) {
      throw await this.failure(e, '');
    }
  }

  watch(onChange: (path?: string) => void): () => void {
    this.listeners.add(onChange);
    const stop = observe(this.root, onChange);
    return () => {
      stop();
      this.listeners.delete(onChange);
    };
  }

  /** Saves the mtime table now (call before the page goes away). */
  async flush(): Promise<void> {
    await this.meta?.flush();
  }

  private notify(path?: string): void {
    for (const listener of this.listeners) queueMicrotask(() => listener(path));
  }
}
