/**
 * The browser ObjectStore (core/ports.ts) as packs in the origin-private file system, in the
 * format of the Node pack store (pack-format.ts, docs/STORAGE.md): `<dir>/packs/<n>.pack` and
 * `<n>.idx`, read at open into the same in-memory index (pack-index.ts, pack-scan.ts).
 *
 * Why packs: a file per object costs the browser's storage process a handful of round trips per
 * 64 KiB block (create, open a writable, write, close, move), 64 MiB in about 6 s on the test
 * machine; a sync access handle writes the same into a pack in about 0.1 s, and reads are plain
 * positioned reads in this thread. Sync access handles exist only in dedicated workers (where
 * the engine runs) and are exclusive: one tab at a time opens a share's store (the share runner
 * holds a Web Lock for it), and `close` lets the next one in.
 *
 * Writes are positioned and only move the append point once they completed, a record before its
 * idx entry: a failed write (quota) is overwritten by the next one, never indexed. Data safety
 * is the Node pack store's: nothing is flushed per put, so a crash may lose or tear the last
 * objects; `get` re-checks each record's header, and the address of any object this store did
 * not write or check since it opened, and treats a mismatch as missing (a tombstone, so it is
 * fetched again). Objects of the per-object store used before packs (`<dir>/objects/...`,
 * OpfsObjectStore) are still found: a miss reads through to it.
 */
import { PeerfoldError } from '../core/errors';
import { matchesAddress, type Address } from '../core/objects';
import type { ObjectStore } from '../core/ports';
import { childDir, childFile, children, fsaError, type DirHandle } from './fsa-fs';
import { checkAddress } from './object-address';
import { OpfsObjectStore } from './opfs-object-store';
import {
  HEADER_BYTES,
  IDX_ENTRY_BYTES,
  IDX_MAGIC,
  idxFile,
  MAX_PACK_BYTES,
  PACK_MAGIC,
  packFile,
  packNumbers,
  putIdxEntry,
  RECORD_HEADER_BYTES,
  recordHeader,
  recordMatches,
  TOMBSTONE,
} from './pack-format';
import { PackIndex, type Location } from './pack-index';
import { appendAfter, entriesIn, scanPack, type PackScan } from './pack-scan';

/** FileSystemSyncAccessHandle (lib.webworker), the parts used here. */
interface SyncHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  getSize(): number;
  truncate(size: number): void;
  flush(): void;
  close(): void;
}
type SyncCapable = FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncHandle> };

export interface OpfsPackStoreOptions {
  /** A new pack is started once the current one would grow past this (default 256 MiB). */
  readonly maxPackBytes?: number;
  /** How long a request for a sync access handle may go unanswered (default 20 s). */
  readonly handleTimeoutMs?: number;
}

const DEFAULT_MAX_PACK_BYTES = 256 * 1024 * 1024;
const MAX_OBJECT_BYTES = 1024 * 1024 * 1024;
const WHAT = 'object store';
const DEFAULT_HANDLE_TIMEOUT_MS = 20_000;
/** Pack creations tried per put when the browser leaves one unanswered. */
const CREATE_ATTEMPTS = 2;

interface AppendTarget {
  readonly pack: number;
  readonly file: SyncHandle;
  readonly idx: SyncHandle;
  packEnd: number;
  idxEnd: number;
}

export class OpfsPackStore implements ObjectStore {
  /** Writes (and pack creation) one at a time, in order. */
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly packsDir: DirHandle,
    private readonly index: PackIndex,
    /** Every pack's handle, by number, for reads. */
    private readonly packs: Map<number, SyncHandle>,
    private current: AppendTarget | undefined,
    private next: number,
    private readonly maxPackBytes: number,
    private readonly timeoutMs: number,
    private readonly legacy: OpfsObjectStore | undefined,
    /** Idx entries dropped at open (pointing past the end of their pack). */
    readonly dropped: number,
  ) {}

  /** Whether this context has sync access handles (dedicated workers of current browsers). */
  static supported(): boolean {
    return (
      typeof FileSystemFileHandle !== 'undefined' &&
      'createSyncAccessHandle' in FileSystemFileHandle.prototype
    );
  }

  /**
   * Opens the store in `dir`, repairing a torn tail. Fails with 'changed' while another tab
   * holds it open.
   */
  static async open(dir: DirHandle, options: OpfsPackStoreOptions = {}): Promise<OpfsPackStore> {
    const packs = new Map<number, SyncHandle>();
    const idxs = new Map<number, SyncHandle>();
    const timeout = options.handleTimeoutMs ?? DEFAULT_HANDLE_TIMEOUT_MS;
    try {
      const packsDir = await dir.getDirectoryHandle('packs', { create: true });
      const numbers = packNumbers((await children(packsDir)).map(([name]) => name));
      for (const n of numbers) {
        packs.set(n, await syncHandle(packsDir, packFile(n), false, timeout));
        const idx = await syncHandle(packsDir, idxFile(n), false, timeout).catch((e: unknown) => {
          if (e instanceof DOMException && e.name === 'NotFoundError') return undefined;
          throw e;
        });
        if (idx) idxs.set(n, idx);
      }
      const index = new PackIndex();
      index.reserve(entriesIn([...idxs.values()].map((h) => h.getSize())));
      let last: PackScan | undefined;
      let dropped = 0;
      for (const n of numbers) {
        const file = packs.get(n)!;
        const idx = idxs.get(n);
        const idxBytes = idx ? readAt(idx, 0, idx.getSize()) : undefined;
        last = scanPack(n, file.getSize(), readAt(file, 0, HEADER_BYTES), idxBytes, index);
        dropped += last.dropped;
      }
      const current = repairTail(last, packs, idxs);
      for (const [n, idx] of idxs) if (n !== current?.pack) idx.close();
      const legacyDir = await childDir(dir, 'objects');
      const legacy = legacyDir ? new OpfsObjectStore(dir) : undefined;
      await legacy?.cleanupTemp();
      const max = Math.min(options.maxPackBytes ?? DEFAULT_MAX_PACK_BYTES, MAX_PACK_BYTES);
      const next = last ? last.pack + 1 : 0;
      return new OpfsPackStore(
        packsDir,
        index,
        packs,
        current,
        next,
        max,
        timeout,
        legacy,
        dropped,
      );
    } catch (e) {
      for (const h of [...packs.values(), ...idxs.values()]) closeQuietly(h);
      throw fsaError(e, WHAT);
    }
  }

  /** How many objects the packs hold (legacy objects not counted). */
  get size(): number {
    return this.index.size;
  }

  /** The summed size of the objects the packs hold. */
  get storedBytes(): number {
    return this.index.objectBytes;
  }

  async get(address: Address): Promise<Uint8Array | undefined> {
    checkAddress(address);
    this.checkOpen();
    const at = this.index.get(address);
    if (!at) return this.legacy?.get(address);
    const record = this.readRecord(at);
    if (record && recordMatches(record, address, at.length)) {
      const bytes = record.subarray(RECORD_HEADER_BYTES);
      if (at.checked) return bytes;
      if (matchesAddress(address, bytes)) {
        this.index.markChecked(address, at);
        return bytes;
      }
    }
    await this.forget(address, at); // torn or corrupt: fetched again
    return this.legacy?.get(address);
  }

  async has(address: Address): Promise<boolean> {
    checkAddress(address);
    this.checkOpen();
    return this.index.has(address) || ((await this.legacy?.has(address)) ?? false);
  }

  async put(address: Address, bytes: Uint8Array): Promise<void> {
    checkAddress(address);
    this.checkOpen();
    if (bytes.length > MAX_OBJECT_BYTES) {
      throw new PeerfoldError('too-large', `an object of ${bytes.length} bytes`, false);
    }
    if (this.index.has(address)) return;
    const key = address.slice(); // ours: the caller may reuse its buffer
    return this.serial(() => this.append(key, bytes));
  }

  /** Finishes writes in flight, flushes and closes every handle (another tab may open it). */
  close(): Promise<void> {
    this.closing ??= this.closeHandles();
    return this.closing;
  }

  private async closeHandles(): Promise<void> {
    this.closed = true;
    await this.writing;
    if (this.current) closeQuietly(this.current.idx, true);
    for (const file of this.packs.values()) closeQuietly(file, true);
    this.packs.clear();
    this.current = undefined;
  }

  private checkOpen(): void {
    if (this.closed) throw new PeerfoldError('io', `${WHAT}: closed`, false);
  }

  private serial(task: () => Promise<void>): Promise<void> {
    const run = this.writing.then(task);
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Appends an object's record, then its idx entry (or only a tombstone entry). */
  private async append(address: Uint8Array, bytes: Uint8Array | undefined): Promise<void> {
    if (bytes && this.index.has(address)) return; // a concurrent put of the same object
    try {
      const recordBytes = bytes ? RECORD_HEADER_BYTES + bytes.length : 0;
      const target = await this.target(recordBytes);
      const offset = target.packEnd;
      const entry = new Uint8Array(IDX_ENTRY_BYTES);
      putIdxEntry(entry, 0, address, bytes ? offset : 0, bytes ? bytes.length : TOMBSTONE);
      if (bytes) {
        writeAt(target.file, recordHeader(address, bytes.length), offset);
        writeAt(target.file, bytes, offset + RECORD_HEADER_BYTES);
      }
      writeAt(target.idx, entry, target.idxEnd);
      target.packEnd += recordBytes;
      target.idxEnd += IDX_ENTRY_BYTES;
      // Put's caller verified the bytes (core/ports.ts), so reads of them need not hash again.
      if (bytes) this.index.set(address, target.pack, offset, bytes.length, 0, true);
    } catch (e) {
      throw fsaError(e, WHAT);
    }
  }

  /** The pack this many record bytes go to: the open one while they fit, else a new one. */
  private async target(recordBytes: number): Promise<AppendTarget> {
    const open = this.current;
    if (
      open &&
      (open.packEnd === HEADER_BYTES || open.packEnd + recordBytes <= this.maxPackBytes)
    ) {
      return open;
    }
    if (open) closeQuietly(open.idx, true);
    this.current = undefined;
    // The number is taken only once its pack exists: a failed creation (quota) is retried in
    // the same files, not in a new pair per failed put. A request the browser left unanswered
    // is not: the next number gets fresh files.
    for (let attempt = 1; ; attempt++) {
      try {
        this.current = await this.createPack(this.next);
        this.next++;
        return this.current;
      } catch (e) {
        if (!(e instanceof UnansweredError) || attempt === CREATE_ATTEMPTS) throw e;
        this.next++;
      }
    }
  }

  /** A new pack and its idx, each holding its header. */
  private async createPack(pack: number): Promise<AppendTarget> {
    const made: SyncHandle[] = [];
    try {
      for (const [name, magic] of [
        [packFile(pack), PACK_MAGIC],
        [idxFile(pack), IDX_MAGIC], // a stray idx of no pack is replaced
      ] as const) {
        const handle = await syncHandle(this.packsDir, name, true, this.timeoutMs);
        made.push(handle);
        handle.truncate(0);
        writeAt(handle, magic, 0);
      }
    } catch (e) {
      for (const handle of made) closeQuietly(handle);
      throw e;
    }
    const [file, idx] = made as [SyncHandle, SyncHandle];
    this.packs.set(pack, file);
    return { pack, file, idx, packEnd: HEADER_BYTES, idxEnd: HEADER_BYTES };
  }

  /** The record at `at`; short if its pack is cut short. */
  private readRecord(at: Location): Uint8Array | undefined {
    const file = this.packs.get(at.pack);
    if (!file) return undefined;
    try {
      return readAt(file, at.offset, RECORD_HEADER_BYTES + at.length);
    } catch (e) {
      throw fsaError(e, WHAT);
    }
  }

  /** Drops `address` if it still points at `at`, and records that (best effort). */
  private async forget(address: Address, at: Location): Promise<void> {
    const now = this.index.get(address);
    if (!now || now.pack !== at.pack || now.offset !== at.offset) return; // stored again meanwhile
    this.index.delete(address);
    const key = address.slice();
    await this.serial(() => this.append(key, undefined)).catch(() => undefined); // refetching works without it
  }
}

/**
 * Where to append after the packs were scanned: the last pack's good end, with any torn tail
 * cut off (records without idx entries, half an entry), or undefined for a new pack.
 */
function repairTail(
  last: PackScan | undefined,
  packs: Map<number, SyncHandle>,
  idxs: Map<number, SyncHandle>,
): AppendTarget | undefined {
  const point = appendAfter(last);
  const file = point && packs.get(point.pack);
  const idx = point && idxs.get(point.pack);
  if (!point || !file || !idx) return undefined;
  if (file.getSize() > point.packEnd) file.truncate(point.packEnd);
  if (idx.getSize() > point.idxEnd) idx.truncate(point.idxEnd);
  return { pack: point.pack, file, idx, packEnd: point.packEnd, idxEnd: point.idxEnd };
}

/**
 * A sync access handle on `name`. Chromium once left the request for a new pack's idx
 * unanswered (one 1 GiB bench run in several, the scan stalled for good): a request that takes
 * longer than `timeoutMs` fails, and a handle that comes later is closed.
 */
async function syncHandle(
  dir: DirHandle,
  name: string,
  create: boolean,
  timeoutMs: number,
): Promise<SyncHandle> {
  const opening = (async () => {
    const handle = create ? await dir.getFileHandle(name, { create }) : await childFile(dir, name);
    if (!handle) throw new DOMException(`${name} is missing`, 'NotFoundError');
    return (handle as SyncCapable).createSyncAccessHandle();
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unanswered = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnansweredError(name, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([opening, unanswered]);
  } catch (e) {
    if (e instanceof UnansweredError)
      opening.then(
        (late) => closeQuietly(late),
        () => undefined,
      );
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** The browser did not answer a request for a sync access handle in time. */
class UnansweredError extends PeerfoldError {
  constructor(name: string, ms: number) {
    super('io', `${WHAT}: ${name} did not open within ${ms / 1000} s`, false);
  }
}

/** Up to `length` bytes at `position`; fewer only at the end of the file. */
function readAt(file: SyncHandle, position: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = file.read(out.subarray(done), { at: position + done });
    if (n <= 0) break;
    done += n;
  }
  return done === length ? out : out.subarray(0, done);
}

function writeAt(file: SyncHandle, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) {
    const n = file.write(bytes.subarray(done), { at: position + done });
    if (n <= 0) throw new DOMException('a write made no progress', 'InvalidStateError');
    done += n;
  }
}

function closeQuietly(handle: SyncHandle, flush = false): void {
  try {
    if (flush) handle.flush();
    handle.close();
  } catch {
    // already closed, or the file vanished: nothing left to release
  }
}
