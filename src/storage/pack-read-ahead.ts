/**
 * Reads of pack records, with read-ahead when they run in order. A sender serves blocks in the
 * order its scan appended them, and a receiver applies them in about the order they arrived.
 * One thread-pool round trip per 64 KiB block took the Node WebRTC sender's main thread 1.4 s
 * for 256 MiB (each round trip wakes a pool thread, which on a busy machine preempts it); in
 * windows it took 0.2-0.36 s. A read that starts where the last one ended reads a window of
 * WINDOW_BYTES, and reads inside that window wait for it; any other read reads just its record.
 */
import { readFully } from './pack-files';

/** Bytes read at once once reads run in order: about 16 average blocks. */
export const WINDOW_BYTES = 1024 * 1024;
/** Records this long or longer share the window's memory; shorter ones are copied out. */
const SHARED_MIN_BYTES = 16 * 1024;
/** Packs whose last read end is remembered. */
const PACKS_TRACKED = 64;

interface Window {
  readonly pack: number;
  readonly start: number;
  readonly end: number;
  readonly bytes: Promise<Uint8Array>;
}

export interface PackReads {
  /** Runs `f` with a read descriptor of `pack` (ReadFds.with). */
  withFd<T>(pack: number, f: (fd: number) => Promise<T>): Promise<T>;
  /** Where completely written records end in `pack` while it is appended to, else undefined. */
  writtenEnd(pack: number): number | undefined;
}

export class PackReadAhead {
  private window: Window | undefined;
  /** Where the last read asked for ended, per pack: a read starting there runs in order. */
  private readonly ends = new Map<number, number>();

  constructor(private readonly packs: PackReads) {}

  /**
   * The `length` bytes at `offset` in `pack`, fewer only where the pack ends: a Uint8Array that
   * nothing else writes to (it may share a window's memory with other records).
   */
  async read(pack: number, offset: number, length: number): Promise<Uint8Array> {
    const end = offset + length;
    const inOrder = this.ends.get(pack) === offset;
    this.ends.delete(pack);
    this.ends.set(pack, end);
    if (this.ends.size > PACKS_TRACKED) this.ends.delete(this.ends.keys().next().value!);
    const w = this.window;
    if (w?.pack === pack && offset >= w.start && end <= w.end) {
      const bytes = await w.bytes.catch(() => undefined); // a failed window: read on our own
      if (bytes && end - w.start <= bytes.length) {
        return part(bytes, offset - w.start, end - w.start);
      }
    } else if (inOrder) {
      const windowEnd = Math.min(offset + WINDOW_BYTES, this.packs.writtenEnd(pack) ?? Infinity);
      if (windowEnd > end) {
        const bytes = this.packs.withFd(pack, (fd) =>
          readFully(fd, windowEnd - offset, offset).then(plain),
        );
        this.window = { pack, start: offset, end: windowEnd, bytes };
        const got = await bytes.catch(() => {
          if (this.window?.bytes === bytes) this.window = undefined;
          return undefined; // e.g. EIO past this record: read just the record, as below
        });
        if (got) return part(got, 0, Math.min(length, got.length));
      }
    }
    return this.packs.withFd(pack, (fd) => readFully(fd, length, offset).then(plain));
  }
}

/** A plain view of a Buffer: a Buffer's slice() shares memory where a Uint8Array's copies. */
function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/**
 * Bytes [from, to) of a window. A small record is copied; a larger one shares the window's
 * memory, so a window stays one allocation for about 16 blocks (blocks are sent or opened and
 * dropped). Index nodes can be larger than blocks and their decoded addresses are views, so
 * tree-io.ts copies a node that is a small part of a larger buffer before it is decoded.
 */
function part(bytes: Uint8Array, from: number, to: number): Uint8Array {
  if (to - from >= SHARED_MIN_BYTES)
    return new Uint8Array(bytes.buffer, bytes.byteOffset + from, to - from);
  return bytes.slice(from, to);
}
