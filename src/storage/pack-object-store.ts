/**
 * The Node ObjectStore (core/ports.ts) used by the CLI: objects appended to pack files under
 * `<dir>/packs/` with an idx per pack (format in pack-format.ts and docs/STORAGE.md), an
 * in-memory index (pack-index.ts) read from the idx files at open, and concurrent puts batched
 * into few large appends (pack-writer.ts). Objects written by FsObjectStore
 * (`<dir>/objects/ab/...`) are still found: a miss in the packs reads through to it.
 *
 * Data safety, as the file store's: nothing is fsynced, so after a power cut the last objects
 * may be lost or torn, never taken for good data. `get` re-checks every record's header, and
 * the object's address the first time this process reads an object it did not write (a cut or
 * torn write needs a crash, so what this process wrote or already checked stays good), and
 * treats a mismatch as missing, recording a tombstone so it is fetched again (also after a
 * restart); entries pointing past their pack's end are dropped at open; a
 * writer cuts a torn tail off the last pack before appending, or starts a new pack.
 *
 * One writer per directory: the CLI opens a store for writing only while it holds the share's
 * lock (cli/data-dir.ts acquireLock). Readers (`peerfold ls`) open it `readOnly` beside a running
 * writer: they never cut or write anything, ignore half an idx entry, and see every object
 * whose put had resolved before they opened (records are written before their idx entries).
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PeerfoldError } from '../core/errors';
import { matchesAddress, type Address } from '../core/objects';
import type { ObjectStore } from '../core/ports';
import { FsObjectStore } from './fs-object-store';
import { errno, fsError, isNotFound } from './node-fs';
import { checkAddress } from './object-address';
import { ReadFds } from './pack-files';
import { packFile, recordMatches, RECORD_HEADER_BYTES } from './pack-format';
import { PackIndex, type Location } from './pack-index';
import { PackReadAhead } from './pack-read-ahead';
import { loadPacks } from './pack-load';
import { PackWriter } from './pack-writer';

export interface PackStoreOptions {
  /** Never writes (for a reader beside a running writer); `put` throws. */
  readonly readOnly?: boolean;
  /** A new pack is started once the current one would grow past this (default 256 MiB). */
  readonly maxPackBytes?: number;
}

const DEFAULT_MAX_PACK_BYTES = 256 * 1024 * 1024;
/** Far above any block or index node; keeps every record within a pack's u32 offsets. */
const MAX_OBJECT_BYTES = 1024 * 1024 * 1024;

export class PackObjectStore implements ObjectStore {
  /** Puts queued or being written, by hex address: a second put of one waits for the first. */
  private readonly pending = new Map<string, Promise<void>>();
  private readonly reads: ReadFds;
  private readonly records: PackReadAhead;
  private closed = false;

  private constructor(
    readonly packs: string,
    private readonly index: PackIndex,
    private readonly writer: PackWriter | undefined,
    private readonly legacy: FsObjectStore | undefined,
    /** Idx entries dropped at open (pointing past the end of their pack). */
    readonly dropped: number,
  ) {
    this.reads = new ReadFds((pack) => join(packs, packFile(pack)));
    this.records = new PackReadAhead({
      withFd: (pack, f) => this.reads.with(pack, f),
      writtenEnd: (pack) => this.writer?.writtenEnd(pack),
    });
  }

  /** Opens the store in `dir` (made on the first put); a writer also repairs a torn tail. */
  static async open(dir: string, options: PackStoreOptions = {}): Promise<PackObjectStore> {
    const packs = join(dir, 'packs');
    const writable = !options.readOnly;
    const index = new PackIndex();
    const loaded = await loadPacks(packs, index, writable);
    let writer: PackWriter | undefined;
    if (writable) {
      await mkdir(packs, { recursive: true }).catch((e: unknown) => {
        throw fsError(e, packs);
      });
      const max = options.maxPackBytes ?? DEFAULT_MAX_PACK_BYTES;
      writer = await PackWriter.open(packs, index, max, loaded.next, loaded.append).catch(
        (e: unknown) => {
          throw fsError(e, packs);
        },
      );
    }
    const legacy = await legacyStore(dir);
    if (legacy && writable) await legacy.cleanupTemp();
    return new PackObjectStore(packs, index, writer, legacy, loaded.dropped);
  }

  /** How many objects the packs hold (legacy objects not counted). */
  get size(): number {
    return this.index.size;
  }

  /** The summed size of the objects the packs hold (legacy objects not counted). */
  get storedBytes(): number {
    return this.index.objectBytes;
  }

  /** Batched appends written since open (each one pack write and one idx write). */
  get batches(): number {
    return this.writer?.batches ?? 0;
  }

  /** Bytes of memory the in-memory index holds. */
  get indexBytes(): number {
    return this.index.bytes;
  }

  async get(address: Address): Promise<Uint8Array | undefined> {
    checkAddress(address);
    const at = this.index.get(address);
    if (!at) return this.legacy?.get(address);
    const record = await this.readRecord(at);
    if (record && recordMatches(record, address, at.length)) {
      // A plain view (not a Buffer, whose slice() would share memory) of memory of its own.
      const bytes = new Uint8Array(
        record.buffer,
        record.byteOffset + RECORD_HEADER_BYTES,
        at.length,
      );
      if (at.checked) return bytes;
      if (matchesAddress(address, bytes)) {
        this.index.markChecked(address, at);
        return bytes;
      }
    }
    this.forget(address, at); // torn, corrupt or gone: fetched again
    return this.legacy?.get(address);
  }

  async has(address: Address): Promise<boolean> {
    checkAddress(address);
    return this.index.has(address) || ((await this.legacy?.has(address)) ?? false);
  }

  async put(address: Address, bytes: Uint8Array): Promise<void> {
    const hex = checkAddress(address);
    const writer = this.writer;
    if (!writer) throw new PeerfoldError('io', 'the object store is open read-only', false);
    if (this.closed) throw new PeerfoldError('io', 'the object store is closed', false);
    if (bytes.length > MAX_OBJECT_BYTES) {
      throw new PeerfoldError('too-large', `an object of ${bytes.length} bytes`, false);
    }
    if (this.index.has(address)) return;
    const queued = this.pending.get(hex);
    if (queued) return queued;
    const key = address.slice(); // ours: the caller may reuse its buffer
    const put = (async () => {
      if (this.legacy && (await this.legacy.has(key))) return;
      await writer.append(key, bytes);
    })().finally(() => this.pending.delete(hex));
    this.pending.set(hex, put);
    return put;
  }

  /** Finishes queued writes and closes every file; later puts fail (reads still work). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pending.values()]);
    await this.writer?.close();
    await this.reads.closeAll();
  }

  /** The record at `at`, or undefined if its pack is gone; short if the pack is cut short. */
  private async readRecord(at: Location): Promise<Uint8Array | undefined> {
    try {
      return await this.records.read(at.pack, at.offset, RECORD_HEADER_BYTES + at.length);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw fsError(e, join(this.packs, packFile(at.pack)));
    }
  }

  /** Drops `address` if it still points at `at`, and records that (best effort) for a writer. */
  private forget(address: Address, at: Location): void {
    const now = this.index.get(address);
    if (!now || now.pack !== at.pack || now.offset !== at.offset) return; // stored again meanwhile
    this.index.delete(address);
    void this.writer?.forget(address.slice()).catch(() => undefined); // refetching works without it
  }
}

/** The file store of older data dirs, if `<dir>/objects` exists. */
async function legacyStore(dir: string): Promise<FsObjectStore | undefined> {
  try {
    if ((await stat(join(dir, 'objects'))).isDirectory()) return new FsObjectStore(dir);
  } catch (e) {
    if (!isNotFound(e) && errno(e) !== 'ENOTDIR') throw fsError(e, join(dir, 'objects'));
  }
  return undefined;
}
