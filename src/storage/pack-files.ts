/**
 * Positioned file I/O for the pack store, on raw descriptors through the callback API (one
 * thread-pool round trip per call, no FileHandle bookkeeping), and a small cache of read
 * descriptors so a store with many packs never holds too many open.
 */
import { close as closeCb, open as openCb, read as readCb, writev as writevCb } from 'node:fs';
import { promisify } from 'node:util';

export const openFd = promisify(openCb);
export const closeFd = promisify(closeCb);
const readAt = promisify(readCb);
const writevAt = promisify(writevCb);

/** Linux's IOV_MAX: more buffers than this go in several writev calls. */
const MAX_BUFFERS = 1024;

/** Reads up to `length` bytes at `position`; fewer only at the end of the file. */
export async function readFully(fd: number, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(length); // its own memory: handed out to the caller
  let done = 0;
  while (done < length) {
    const { bytesRead } = await readAt(fd, buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

/** Writes every byte of `buffers`, in order, starting at `position` (short writes resumed). */
export async function writeFully(
  fd: number,
  buffers: readonly Uint8Array[],
  position: number,
): Promise<void> {
  let rest = buffers.filter((b) => b.length > 0);
  while (rest.length > 0) {
    const { bytesWritten: written } = await writevAt(fd, rest.slice(0, MAX_BUFFERS), position);
    if (written <= 0) throw new Error('write made no progress');
    position += written;
    rest = skipBytes(rest, written);
  }
}

/** `buffers` without their first `n` bytes. */
function skipBytes(buffers: readonly Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const b of buffers) {
    if (n >= b.length) {
      n -= b.length;
      continue;
    }
    out.push(n > 0 ? b.subarray(n) : b);
    n = 0;
  }
  return out;
}

/**
 * Read-only descriptors of packs, opened on first use and closed least recently used first
 * once more than `max` are open; a descriptor in use by a read is never closed under it.
 */
export class ReadFds {
  private readonly open = new Map<number, { fd: Promise<number>; users: number }>();

  constructor(
    private readonly path: (pack: number) => string,
    private readonly max = 64,
  ) {}

  /** Runs `f` with a read descriptor of `pack`. */
  async with<T>(pack: number, f: (fd: number) => Promise<T>): Promise<T> {
    let slot = this.open.get(pack);
    if (slot)
      this.open.delete(pack); // re-inserted below: most recently used last
    else slot = { fd: openFd(this.path(pack), 'r'), users: 0 };
    this.open.set(pack, slot);
    slot.users++;
    let fd: number;
    try {
      fd = await slot.fd;
    } catch (e) {
      if (this.open.get(pack) === slot) this.open.delete(pack); // a failed open is not cached
      slot.users--;
      throw e;
    }
    try {
      return await f(fd);
    } finally {
      slot.users--;
      this.trim();
    }
  }

  /** Closes every descriptor not in use (all of them once reads are done). */
  async closeAll(): Promise<void> {
    const idle = [...this.open].filter(([, s]) => s.users === 0);
    for (const [pack] of idle) this.open.delete(pack);
    await Promise.all(idle.map(([, s]) => s.fd.then(closeFd, () => undefined)));
  }

  private trim(): void {
    for (const [pack, slot] of this.open) {
      if (this.open.size <= this.max) return;
      if (slot.users > 0) continue;
      this.open.delete(pack);
      slot.fd.then(closeFd, () => undefined).catch(() => undefined);
    }
  }
}
