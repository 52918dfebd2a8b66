/**
 * The Drive port: one synced folder as the engine sees it (DESIGN.md section 6). Adapters: Node
 * fs, in-memory, faulty (tests), File System Access / OPFS (browser). Every adapter passes
 * test/storage/drive-contract.ts.
 *
 * Paths are index paths (path.ts). Every method but `list` takes only paths that pass
 * `validatePath` and throws 'bad-path' for others, so nothing is read or written outside the
 * root, in the marker `.peerfold` or under the temporary prefix. A drive never modifies or
 * replaces anything but regular files and directories (a symlink, a socket: 'changed'), and the
 * Node drive refuses any path that crosses a symlink ('bad-path').
 *
 * Failures are PeerfoldErrors with one of these codes:
 *  - 'paused': the root or its marker is gone or permission was lost (`status()` says which).
 *    No method reports a path as absent (undefined, 'missing', an empty list) while the folder
 *    is not 'ok': a vanished root is never read as "every file was deleted".
 *  - 'changed': the path does not hold what the caller expected (`Expect`), or something local
 *    is in the way (a file where a directory is needed, a non-empty directory). Rescan first.
 *  - 'missing': a read, rename or setMtime of a path that holds nothing.
 *  - 'no-space', 'io': the disk is full, or failed. A failed write leaves the old file intact.
 *  - 'bad-path'.
 */
import { fromUtf8, utf8 } from './bytes';
import type { EntryKind } from './entry';
import { PeerfoldError, type ErrorCode } from './errors';
import { MARKER_DIR, TEMP_PREFIX } from './path';

/** `readStream`'s chunk size unless the caller picks one. */
export const DEFAULT_CHUNK_BYTES = 1 << 20;

/** The file inside the marker directory that records which share the folder belongs to. */
export const MARKER_FILE = 'share';

export interface DriveEntry {
  /** Relative '/'-path in NFC (`normalizePath`); `list` does not validate it (the scanner does). */
  readonly path: string;
  readonly kind: EntryKind;
  /** Bytes; 0 for directories. */
  readonly size: number;
  /** Modification time, integer milliseconds since the Unix epoch. */
  readonly mtime: number;
  /** Any execute bit set (always false for directories). */
  readonly executable: boolean;
  /**
   * A local token that changes whenever the file may have been replaced or edited, even within
   * the mtime's granularity (Node: inode and ctime); absent where the platform has none. Never
   * leaves the device.
   */
  readonly change?: string;
}

/** 'ok' or why sync must pause. */
export type DriveStatus = 'ok' | 'missing-root' | 'missing-marker' | 'no-permission';

/** What a file looked like when the caller last saw it: a change to either means an edit. */
export interface FileStamp {
  readonly size: number;
  readonly mtime: number;
  /** The change token as last seen (DriveEntry.change); compared where the drive has one. */
  readonly change?: string;
}

/**
 * What the caller believes the path holds; a mutation re-checks it right before it takes effect
 * and throws 'changed' (touching nothing) if it no longer holds. The file system offers no
 * compare-and-swap, so a local edit in the last microseconds before the rename can still race.
 */
export type Expect = 'absent' | 'dir' | FileStamp;

export interface WriteOptions {
  readonly mtime: number;
  readonly executable: boolean;
  readonly expect?: Expect;
  /**
   * Called once the temporary file is complete and synced, right before the re-check and the
   * rename. If it throws, the write stops there and leaves the temporary file behind, as a crash
   * at that moment would (the faulty drive's seam; `cleanupTemp` removes such files).
   */
  readonly beforeCommit?: () => Promise<void>;
}

/** How `stage` writes a file: what `write` takes, less the re-check (that is `commit`'s). */
export interface StageOptions {
  readonly mtime: number;
  readonly executable: boolean;
}

/**
 * A file written ahead of time by `stage`: complete and synced in a temporary file the folder's
 * lists never show, not yet at its path. `commit` puts it there; `discard` removes it.
 */
export interface StagedFile {
  readonly path: string;
  /** Removes the temporary file (a no-op once committed or discarded). */
  discard(): Promise<void>;
}

export interface Drive {
  /** True when names differing only in case are one file here ('a' and 'A'). */
  readonly caseInsensitive: boolean;
  status(): Promise<DriveStatus>;
  /** Creates the marker directory in an existing root (never creates the root). */
  createMarker(): Promise<void>;
  /** The marker file's bytes, or undefined if there is none. */
  readMarker(): Promise<Uint8Array | undefined>;
  /** Atomically replaces the marker file (creating the marker directory if needed). */
  writeMarker(bytes: Uint8Array): Promise<void>;
  /**
   * Every file and directory below `under` (default: the root), recursively, in no particular
   * order, skipping the marker, temporary files, symlinks and special files. Throws 'paused' if
   * the folder is not 'ok' when the walk starts or ends, so a partial walk is never taken as
   * complete.
   */
  list(under?: string): AsyncIterable<DriveEntry>;
  /** The file or directory at `path`, or undefined (symlinks and special files count as none). */
  stat(path: string): Promise<DriveEntry | undefined>;
  /** Up to `length` bytes from `offset` (fewer at the end of the file). */
  read(path: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * The file's bytes in order, `chunkBytes` at a time; never the whole file in memory. Never a
   * mix of two versions: if the file is replaced while being read, a drive either keeps reading
   * the old bytes (Node) or throws 'changed' (browser drives).
   */
  readStream(path: string, chunkBytes?: number): AsyncIterable<Uint8Array>;
  /**
   * Atomically creates or replaces a file: the data goes to a temporary file in the same
   * directory, is synced, then renamed into place, so a reader sees the old or the new content,
   * never a part. Creates missing parent directories. Returns the file as written.
   */
  write(
    path: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: WriteOptions,
  ): Promise<DriveEntry>;
  /**
   * Optional: writes `data` for `path` into a temporary file now, without touching the path or
   * creating any directory, so that a later `commit` is only a re-check and a rename (the
   * engine writes a file while its blocks arrive). Where the drive has it, `commit` too.
   */
  stage?(
    path: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: StageOptions,
  ): Promise<StagedFile>;
  /**
   * Puts a file this drive staged at its path, as `write` would have (re-checking `expect`,
   * creating missing parents); the temporary file is gone afterwards, whether or not it throws.
   */
  commit?(file: StagedFile, expect?: Expect): Promise<DriveEntry>;
  /** Creates a directory and its parents; a no-op if it exists. */
  mkdir(path: string): Promise<DriveEntry>;
  /** Removes a file or an empty directory; a no-op if nothing is there. */
  remove(path: string, expect?: Expect): Promise<void>;
  /**
   * Moves a file or directory without copying data. `expect` is about `from`; `to` must be
   * absent (or differ from `from` only in case, on a case-insensitive drive).
   */
  rename(from: string, to: string, expect?: Expect): Promise<DriveEntry>;
  setMtime(path: string, mtime: number, expect?: Expect): Promise<DriveEntry>;
  /** Removes temporary files left by interrupted writes (call at startup). Returns how many. */
  cleanupTemp(): Promise<number>;
  /**
   * Best effort: calls `onChange` with a path that may have changed, or with no path when
   * anything may have (the engine rescans periodically too). Returns a function that stops it.
   */
  watch(onChange: (path?: string) => void): () => void;
}

/** A directory entry name that `list` never reports: the marker or a temporary file. */
export function isHiddenName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === MARKER_DIR || lower.startsWith(TEMP_PREFIX);
}

/** Whether `found` (undefined: nothing; 'other': a symlink or special file) meets `expect`. */
export function meetsExpect(found: DriveEntry | 'other' | undefined, expect: Expect): boolean {
  if (expect === 'absent') return found === undefined;
  if (found === undefined || found === 'other') return false;
  if (expect === 'dir') return found.kind === 'dir';
  const token =
    expect.change === undefined || found.change === undefined || found.change === expect.change;
  return (
    found.kind === 'file' && found.size === expect.size && found.mtime === expect.mtime && token
  );
}

/** Throws 'malformed' unless `offset` and `length` (or a chunk size) are whole and >= 0 / > 0. */
export function checkRange(path: string, offset: number, length: number, minLength = 0): void {
  const whole = Number.isSafeInteger(offset) && Number.isSafeInteger(length);
  if (!whole || offset < 0 || length < minLength) {
    throw new PeerfoldError('malformed', `${JSON.stringify(path)}: bad read range`);
  }
}

export function driveError(code: ErrorCode, path: string, why: string): PeerfoldError {
  return new PeerfoldError(code, `${JSON.stringify(path)}: ${why}`, false);
}

/**
 * Small persistent key -> bytes state (heads, settings, progress). Keys are '/'-separated
 * segments of [A-Za-z0-9_.-], none starting with '.'. `put` is atomic.
 * (A port beside the Drive until core/ports.ts takes it.)
 */
export interface StateStore {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix`, sorted. */
  keys(prefix?: string): Promise<string[]>;
}

const KEY = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}(\/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}){0,7}$/;

export function validateKey(key: string): string {
  if (!KEY.test(key)) throw new PeerfoldError('bad-path', `bad state key ${JSON.stringify(key)}`);
  return key;
}

export async function getJson(store: StateStore, key: string): Promise<unknown> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(fromUtf8(bytes)) as unknown;
  } catch {
    throw new PeerfoldError('malformed', `state ${JSON.stringify(key)} is not JSON`, false);
  }
}

export function putJson(store: StateStore, key: string, value: unknown): Promise<void> {
  return store.put(key, utf8(JSON.stringify(value)));
}
