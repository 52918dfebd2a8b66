/**
 * The pack store's appender. Puts queue up while a write is in flight and go out together: one
 * writev of their records to the pack, then one write of their idx entries, then the in-memory
 * index learns them and their puts resolve. So sixteen concurrent puts cost two write calls,
 * not sixteen file creations. Writes are positioned (the store is the only writer: see
 * pack-object-store.ts), so a failed write is never followed by an append after its garbage:
 * the pack it failed in is left, and the next batch starts a new one.
 */
import { join } from 'node:path';
import { fsError } from './node-fs';
import { closeFd, openFd, writeFully } from './pack-files';
import {
  HEADER_BYTES,
  IDX_ENTRY_BYTES,
  IDX_MAGIC,
  idxFile,
  MAX_PACK_BYTES,
  PACK_MAGIC,
  packFile,
  putIdxEntry,
  RECORD_HEADER_BYTES,
  recordHeader,
  TOMBSTONE,
} from './pack-format';
import type { PackIndex } from './pack-index';
import type { AppendPoint } from './pack-scan';

/** A batch stops growing at this many bytes or records (writev takes 1024 buffers). */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
const MAX_BATCH_RECORDS = 500;

interface Queued {
  readonly address: Uint8Array;
  /** Undefined: a tombstone (forget the address). */
  readonly bytes: Uint8Array | undefined;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

interface OpenPack {
  readonly pack: number;
  readonly fd: number;
  readonly idxFd: number;
  packEnd: number;
  idxEnd: number;
}

export class PackWriter {
  private queue: Queued[] = [];
  private draining: Promise<void> | undefined;
  /** Batches written so far (each one pack write and one idx write). */
  batches = 0;

  private constructor(
    private readonly dir: string,
    private readonly index: PackIndex,
    private readonly maxPackBytes: number,
    private next: number,
    private current: OpenPack | undefined,
  ) {}

  /** A writer appending at `start` (the last pack's good end), or in pack `next` onwards. */
  static async open(
    dir: string,
    index: PackIndex,
    maxPackBytes: number,
    next: number,
    start: AppendPoint | undefined,
  ): Promise<PackWriter> {
    const current = start && (await openExisting(dir, start));
    return new PackWriter(dir, index, maxPackBytes, next, current);
  }

  /** Appends an object (the caller has checked it is not stored or queued). */
  append(address: Uint8Array, bytes: Uint8Array): Promise<void> {
    return this.enqueue(address, bytes);
  }

  /** Records that `address` is gone (the caller has dropped it from the index already). */
  forget(address: Uint8Array): Promise<void> {
    return this.enqueue(address, undefined);
  }

  /** Waits for queued writes, then closes the open pack. */
  async close(): Promise<void> {
    while (this.draining) await this.draining;
    const current = this.current;
    this.current = undefined;
    await closePack(current);
  }

  private enqueue(address: Uint8Array, bytes: Uint8Array | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ address, bytes, resolve, reject });
      // Started on the next turn, so puts issued together share the first write too.
      this.draining ??= new Promise((r) => setImmediate(r)).then(() => this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      try {
        await this.write(batch);
        batch.forEach((q) => q.resolve());
      } catch (e) {
        batch.forEach((q) => q.reject(e));
      }
    }
    this.draining = undefined;
  }

  private takeBatch(): Queued[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < MAX_BATCH_RECORDS) {
      const size = RECORD_HEADER_BYTES + (this.queue[n]!.bytes?.length ?? 0);
      if (n > 0 && bytes + size > MAX_BATCH_BYTES) break;
      bytes += size;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async write(batch: readonly Queued[]): Promise<void> {
    const recordBytes = batch.reduce(
      (sum, q) => sum + (q.bytes ? RECORD_HEADER_BYTES + q.bytes.length : 0),
      0,
    );
    const target = await this.target(recordBytes);
    const buffers: Uint8Array[] = [];
    const idx = new Uint8Array(batch.length * IDX_ENTRY_BYTES);
    const offsets: number[] = [];
    let at = target.packEnd;
    batch.forEach((q, i) => {
      if (!q.bytes) return putIdxEntry(idx, i * IDX_ENTRY_BYTES, q.address, 0, TOMBSTONE);
      buffers.push(recordHeader(q.address, q.bytes.length), q.bytes);
      putIdxEntry(idx, i * IDX_ENTRY_BYTES, q.address, at, q.bytes.length);
      offsets[i] = at;
      at += RECORD_HEADER_BYTES + q.bytes.length;
    });
    try {
      await writeFully(target.fd, buffers, target.packEnd); // records first, then their entries
      await writeFully(target.idxFd, [idx], target.idxEnd);
    } catch (e) {
      await this.abandon(); // torn: nothing is ever appended after it
      throw fsError(e, join(this.dir, packFile(target.pack)));
    }
    target.packEnd = at;
    target.idxEnd += idx.length;
    this.batches++;
    batch.forEach((q, i) => {
      // Put's caller verified the bytes (core/ports.ts), so reads of them need not hash again.
      if (q.bytes) this.index.set(q.address, target.pack, offsets[i]!, q.bytes.length, 0, true);
    });
  }

  /**
   * Where the records whose writes completed end in `pack`, while appends to it may be in flight
   * (undefined for any other pack): a read ahead must stop there, or it could see a record half
   * written and keep it.
   */
  writtenEnd(pack: number): number | undefined {
    return this.current?.pack === pack ? this.current.packEnd : undefined;
  }

  /** The pack this many record bytes go to: the open one while they fit, else a new one. */
  private async target(recordBytes: number): Promise<OpenPack> {
    const open = this.current;
    const limit = Math.min(this.maxPackBytes, MAX_PACK_BYTES);
    if (open && (open.packEnd === HEADER_BYTES || open.packEnd + recordBytes <= limit)) return open;
    this.current = undefined;
    await closePack(open);
    this.current = await createPack(this.dir, this.next++);
    return this.current;
  }

  private async abandon(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await closePack(current).catch(() => undefined);
  }
}

async function openExisting(dir: string, at: AppendPoint): Promise<OpenPack> {
  const fd = await openFd(join(dir, packFile(at.pack)), 'r+');
  const idxFd = await openFd(join(dir, idxFile(at.pack)), 'r+').catch(async (e: unknown) => {
    await closeFd(fd);
    throw e;
  });
  return { pack: at.pack, fd, idxFd, packEnd: at.packEnd, idxEnd: at.idxEnd };
}

/** A new pack and its idx, each holding its header. */
async function createPack(dir: string, pack: number): Promise<OpenPack> {
  const path = join(dir, packFile(pack));
  try {
    const fd = await openFd(path, 'wx');
    let idxFd: number | undefined;
    try {
      await writeFully(fd, [PACK_MAGIC], 0);
      idxFd = await openFd(join(dir, idxFile(pack)), 'w'); // a stray idx of no pack is replaced
      await writeFully(idxFd, [IDX_MAGIC], 0);
      return { pack, fd, idxFd, packEnd: HEADER_BYTES, idxEnd: HEADER_BYTES };
    } catch (e) {
      await closeFd(fd).catch(() => undefined);
      if (idxFd !== undefined) await closeFd(idxFd).catch(() => undefined);
      throw e;
    }
  } catch (e) {
    throw fsError(e, path);
  }
}

async function closePack(open: OpenPack | undefined): Promise<void> {
  if (!open) return;
  await Promise.all([closeFd(open.fd), closeFd(open.idxFd)]);
}
