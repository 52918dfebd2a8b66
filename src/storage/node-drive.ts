/**
 * The Node fs drive (the Drive port, core/drive.ts). Writes go to a temporary file beside the
 * target, are fsynced with their mtime and mode set, then renamed into place (a staged file
 * waits in the root until its commit: in no directory of the user's, whose removal or rename
 * it would get in the way of). Paths that cross a symlink are refused: each operation compares
 * the parent's realpath with the path it should be, so nothing is read or written outside the
 * root, even through a link a user made.
 */
import { constants, type Stats } from 'node:fs';
import { access, lstat, lutimes, mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { rename as fsRename, rmdir, stat as fsStat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Drive, DriveEntry, DriveStatus, Expect, WriteOptions } from '../core/drive';
import type { StagedFile, StageOptions } from '../core/drive';
import { checkRange, DEFAULT_CHUNK_BYTES, driveError, MARKER_FILE } from '../core/drive';
import { isPeerfoldError, PeerfoldError } from '../core/errors';
import { foldCase, MARKER_DIR, parentPath, validatePath } from '../core/path';
import { discard, errno, fsError, isNotFound, tempName, writeFileAtomic } from './node-fs';
import { NodeTree } from './node-tree';
import { probeCaseInsensitive, removeTemp, walk, watchTree } from './node-walk';

export interface NodeDriveOptions {
  /** Overrides the probe (tests; file systems where probing is not wanted). */
  readonly caseInsensitive?: boolean;
}

export class NodeDrive extends NodeTree implements Drive {
  /** A drive on `root`; probes whether its file system folds case. */
  static async open(root: string, options: NodeDriveOptions = {}): Promise<NodeDrive> {
    const abs = resolve(root);
    const ci =
      options.caseInsensitive ??
      (await probeCaseInsensitive(abs)) ??
      (process.platform === 'darwin' || process.platform === 'win32');
    return new NodeDrive(abs, ci);
  }

  /** The three checks run at once (one round trip per drive operation, not three). */
  async status(): Promise<DriveStatus> {
    const [root, allowed, marker] = await Promise.allSettled([
      fsStat(this.root),
      access(this.root, constants.R_OK | constants.W_OK | constants.X_OK),
      lstat(this.marker()),
    ]);
    if (root.status === 'rejected') {
      return errno(root.reason) === 'EACCES' ? 'no-permission' : 'missing-root';
    }
    if (!root.value.isDirectory()) return 'missing-root';
    if (allowed.status === 'rejected') return 'no-permission';
    if (marker.status === 'rejected') {
      return errno(marker.reason) === 'EACCES' ? 'no-permission' : 'missing-marker';
    }
    return marker.value.isDirectory() ? 'ok' : 'missing-marker';
  }

  async createMarker(): Promise<void> {
    const s = await this.status();
    if (s === 'missing-root' || s === 'no-permission') throw paused(this.root, s);
    try {
      await mkdir(this.marker());
    } catch (e) {
      if (errno(e) !== 'EEXIST' || !(await lstat(this.marker())).isDirectory()) {
        throw fsError(e, this.marker());
      }
    }
  }

  async readMarker(): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(join(this.marker(), MARKER_FILE)));
    } catch (e) {
      if (isNotFound(e) || errno(e) === 'ENOTDIR') return undefined;
      throw fsError(e, MARKER_FILE);
    }
  }

  async writeMarker(bytes: Uint8Array): Promise<void> {
    await this.createMarker();
    await writeFileAtomic(join(this.marker(), MARKER_FILE), bytes, { fsync: true });
  }

  async *list(under?: string): AsyncGenerator<DriveEntry> {
    if (under !== undefined) validatePath(under);
    await this.ensureOk();
    if (under !== undefined) await this.checkDir(under);
    yield* walk(this.root, under ?? '', under ?? '');
    await this.ensureOk(); // the root may have vanished mid-walk: then the walk is not the truth
  }

  async stat(path: string): Promise<DriveEntry | undefined> {
    validatePath(path);
    await this.checkDir(parentPath(path));
    const found = await this.lstatEntry(path);
    if (found === undefined) await this.ensureOk();
    return found === 'other' ? undefined : found;
  }

  async read(path: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(path, offset, length);
    const { fh } = await this.openFile(path);
    try {
      const out = new Uint8Array(Math.max(0, length));
      let n = 0;
      while (n < out.length) {
        const { bytesRead } = await fh.read(out, n, out.length - n, offset + n);
        if (bytesRead === 0) break;
        n += bytesRead;
      }
      return out.subarray(0, n);
    } catch (e) {
      throw fsError(e, path);
    } finally {
      await fh.close();
    }
  }

  async *readStream(path: string, chunkBytes = DEFAULT_CHUNK_BYTES): AsyncGenerator<Uint8Array> {
    checkRange(path, 0, chunkBytes, 1);
    const { fh, size } = await this.openFile(path);
    try {
      for (let position = 0; ;) {
        // Buffers sized to what is left (a fresh 1 MiB one per read cost a small file more than
        // reading it): one byte more than the size, so a file that grew is read on; at the size,
        // a one-byte read to see the end; past it (it grew), full chunks.
        const left = size - position;
        const want = left > 0 ? Math.min(chunkBytes, left + 1) : left === 0 ? 1 : chunkBytes;
        const chunk = new Uint8Array(want);
        const { bytesRead } = await fh.read(chunk, 0, want, position).catch((e: unknown) => {
          throw fsError(e, path);
        });
        if (bytesRead === 0) return;
        position += bytesRead;
        yield chunk.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
  }

  async write(
    path: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: WriteOptions,
  ): Promise<DriveEntry> {
    validatePath(path);
    await this.ensureOk();
    const check = (): Promise<Stats | undefined> => this.recheck(path, options.expect, 'write');
    const before = await check();
    const tmp = join(await this.ensureDirs(parentPath(path)), tempName());
    let crashed = false;
    try {
      await writeTemp(tmp, data, options, before);
      await options.beforeCommit?.().catch((e: unknown) => {
        crashed = true; // as if the process died here: the temporary file stays
        throw e;
      });
      await check();
      await fsRename(tmp, this.abs(path));
    } catch (e) {
      if (!crashed) await discard(tmp);
      throw await this.failure(e, path);
    }
    return this.entryAfter(path);
  }

  /** The temporary file goes in the root (a commit across file systems fails: `io`). */
  async stage(
    path: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: StageOptions,
  ): Promise<StagedFile> {
    validatePath(path);
    await this.ensureOk();
    const [, before] = await Promise.all([this.checkDir(parentPath(path)), this.lstatRaw(path)]);
    const tmp = join(this.root, tempName());
    try {
      await writeTemp(tmp, data, options, before?.isFile() ? before : undefined);
    } catch (e) {
      await discard(tmp);
      throw await this.failure(e, path);
    }
    return new NodeStaged(this, path, tmp);
  }

  async commit(file: StagedFile, expect?: Expect): Promise<DriveEntry> {
    if (!(file instanceof NodeStaged) || file.drive !== this) {
      throw new Error(`${JSON.stringify(file.path)}: not a file this drive staged`);
    }
    const { path, tmp } = file;
    try {
      await this.ensureOk();
      // The re-check right before the rename, as in write.
      await this.ensureDirs(parentPath(path));
      await this.recheck(path, expect, 'write');
      await fsRename(tmp, this.abs(path));
    } catch (e) {
      if (isNotFound(e) && !(await lstat(tmp).catch(() => undefined))) {
        await this.ensureOk(); // a vanished folder is a pause, not a missing file
        throw driveError('missing', path, 'its staged file is gone');
      }
      await discard(tmp);
      throw await this.failure(e, path);
    }
    return this.entryAfter(path);
  }

  async mkdir(path: string): Promise<DriveEntry> {
    validatePath(path);
    await this.ensureOk();
    await this.ensureDirs(path).catch(async (e: unknown) => {
      throw await this.failure(e, path);
    });
    return this.entryAfter(path, 'dir');
  }

  async remove(path: string, expect?: Expect): Promise<void> {
    validatePath(path);
    await this.ensureOk();
    const found = await this.guard(path, expect);
    if (found === undefined) return;
    try {
      if (found.kind === 'dir') await rmdir(this.abs(path));
      else await unlink(this.abs(path));
    } catch (e) {
      if (!isNotFound(e)) throw await this.failure(e, path);
    }
  }

  async rename(from: string, to: string, expect?: Expect): Promise<DriveEntry> {
    validatePath(from);
    validatePath(to);
    await this.ensureOk();
    const found = await this.guard(from, expect);
    if (found === undefined) throw await this.absent(from);
    if (from === to) return found;
    const caseOnly = this.caseInsensitive && foldCase(from) === foldCase(to);
    await this.checkDir(parentPath(to));
    if (!caseOnly && (await this.lstatEntry(to)) !== undefined) {
      throw driveError('changed', to, 'the destination exists');
    }
    try {
      await this.ensureDirs(parentPath(to));
      await fsRename(this.abs(from), this.abs(to));
    } catch (e) {
      throw await this.failure(e, to);
    }
    return this.entryAfter(to, found.kind);
  }

  async setMtime(path: string, mtime: number, expect?: Expect): Promise<DriveEntry> {
    validatePath(path);
    await this.ensureOk();
    const found = await this.guard(path, expect);
    if (found === undefined) throw await this.absent(path);
    await lutimes(this.abs(path), Date.now() / 1000, mtime / 1000).catch(async (e: unknown) => {
      throw await this.failure(e, path);
    });
    return this.entryAfter(path, found.kind);
  }

  cleanupTemp(): Promise<number> {
    return removeTemp(this.root);
  }

  watch(onChange: (path?: string) => void): () => void {
    return watchTree(this.root, onChange);
  }

  private marker(): string {
    return join(this.root, MARKER_DIR);
  }

  private async ensureOk(): Promise<void> {
    const s = await this.status();
    if (s !== 'ok') throw paused(this.root, s);
  }

  /** 'paused' if the folder is not ok (absence means nothing then), else `e` typed. */
  protected async failure(e: unknown, path: string): Promise<PeerfoldError> {
    if (isPeerfoldError(e)) return e;
    const s = await this.status();
    return s === 'ok' ? fsError(e, path) : paused(this.root, s);
  }

  protected async absent(path: string): Promise<PeerfoldError> {
    await this.ensureOk();
    return driveError('missing', path, 'no such file or directory');
  }
}

function paused(root: string, status: DriveStatus): PeerfoldError {
  return new PeerfoldError('paused', `${root}: ${status}`, false);
}

/** A file `stage` wrote, in its temporary file until committed or discarded. */
class NodeStaged implements StagedFile {
  constructor(
    readonly drive: NodeDrive,
    readonly path: string,
    readonly tmp: string,
  ) {}

  discard(): Promise<void> {
    return discard(this.tmp);
  }
}

/**
 * Writes a fresh temporary file (O_EXCL: never through a link) with its mode (that of the file
 * it replaces, `before`), mtime and data, synced.
 */
async function writeTemp(
  tmp: string,
  data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: StageOptions,
  before: Stats | undefined,
): Promise<void> {
  const fh = await open(tmp, 'wx', 0o666);
  try {
    await writeChunks(fh, data);
    // A new file is created without execute bits (0o666 less the umask): nothing to change
    // unless it is to be executable (a round trip less per file).
    if (before || options.executable) {
      const mode = (before ?? (await fh.stat())).mode & 0o777;
      const wanted = options.executable ? mode | ((mode & 0o444) >> 2) : mode & ~0o111;
      if (wanted !== mode || before) await fh.chmod(wanted);
    }
    await fh.utimes(Date.now() / 1000, options.mtime / 1000);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Bytes of a file being written that may be in flight at once. Each write is a round trip
 * through the I/O threads and back through the event loop; one at a time, a busy loop (a
 * download running beside a file written while its blocks arrive) made each block of a file
 * wait for a turn of the loop, about 3 ms here.
 */
const WRITE_AHEAD_BYTES = 4 * 1024 * 1024;

/** Writes `data` in order into a fresh file, several chunks in flight (positional writes). */
async function writeChunks(
  fh: FileHandle,
  data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let position = 0;
  let queued = 0;
  let failure: { error: unknown } | undefined;
  try {
    for await (const chunk of data) {
      const at = position;
      position += chunk.length;
      queued += chunk.length;
      const write: Promise<void> = writeAllAt(fh, chunk, at)
        .catch((error: unknown) => void (failure ??= { error }))
        .finally(() => {
          inFlight.delete(write);
          queued -= chunk.length;
        });
      inFlight.add(write);
      while (queued > WRITE_AHEAD_BYTES && !failure) await Promise.race(inFlight);
      if (failure) break;
    }
  } finally {
    await Promise.all(inFlight); // never rejects: failures are kept above
  }
  if (failure) throw failure.error;
}

async function writeAllAt(fh: FileHandle, chunk: Uint8Array, at: number): Promise<void> {
  for (let done = 0; done < chunk.length;) {
    done += (await fh.write(chunk, done, chunk.length - done, at + done)).bytesWritten;
  }
}
