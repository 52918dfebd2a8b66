/**
 * Wraps any drive to inject what disks do (Syncthing's errorfs): a full disk, I/O errors,
 * slowness, and a crash between a write and its rename. Faults are typed the way the real
 * drives type them ('no-space', 'io'), so the engine's handling is tested against them.
 */
import type { Drive, DriveEntry, DriveStatus, Expect, WriteOptions } from '../core/drive';
import { PeerfoldError } from '../core/errors';

export interface Faults {
  /** Every write fails with this once `writeAfterBytes` of its data went in (ENOSPC, EIO). */
  write?: 'no-space' | 'io';
  writeAfterBytes?: number;
  /** Every read fails with EIO once `readAfterBytes` of the file came out. */
  read?: 'io';
  readAfterBytes?: number;
  /** A delay before each chunk a write takes in / a read gives out. */
  writeLatencyMs?: number;
  readLatencyMs?: number;
  /**
   * The next write stops with the temporary file complete, before the re-check and rename, as
   * if the process died there: the target is untouched, the temporary file stays. One-shot.
   */
  crashBeforeRename?: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function injected(code: 'no-space' | 'io', what: string): PeerfoldError {
  return new PeerfoldError(code, `injected fault: ${what}`, false);
}

export class FaultyDrive implements Drive {
  /** Change at any time; takes effect on the next chunk. */
  faults: Faults;

  /** Staging where the inner drive has it, its data taking the write faults. */
  readonly stage?: Drive['stage'];
  readonly commit?: Drive['commit'];

  constructor(
    readonly inner: Drive,
    faults: Faults = {},
  ) {
    this.faults = faults;
    if (inner.stage && inner.commit) {
      this.stage = (path, data, options) => inner.stage!(path, this.slowWrite(data), options);
      this.commit = (file, expect) => inner.commit!(file, expect);
    }
  }

  get caseInsensitive(): boolean {
    return this.inner.caseInsensitive;
  }

  write(
    path: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: WriteOptions,
  ): Promise<DriveEntry> {
    const crash = this.faults.crashBeforeRename === true;
    if (crash) this.faults.crashBeforeRename = false;
    const beforeCommit = async (): Promise<void> => {
      await options.beforeCommit?.();
      if (crash) throw injected('io', 'crash between write and rename');
    };
    return this.inner.write(path, this.slowWrite(data), { ...options, beforeCommit });
  }

  private async *slowWrite(
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ): AsyncGenerator<Uint8Array> {
    let bytes = 0;
    for await (const chunk of data) {
      if (this.faults.writeLatencyMs) await sleep(this.faults.writeLatencyMs);
      const { write, writeAfterBytes = 0 } = this.faults;
      if (write && bytes + chunk.length > writeAfterBytes) {
        yield chunk.subarray(0, Math.max(0, writeAfterBytes - bytes));
        throw injected(write, write === 'no-space' ? 'ENOSPC' : 'EIO on write');
      }
      bytes += chunk.length;
      yield chunk;
    }
    if (this.faults.write) throw injected(this.faults.write, 'at the end of the write');
  }

  async read(path: string, offset: number, length: number): Promise<Uint8Array> {
    if (this.faults.readLatencyMs) await sleep(this.faults.readLatencyMs);
    const out = await this.inner.read(path, offset, length);
    const { read, readAfterBytes = 0 } = this.faults;
    if (read && offset + out.length > readAfterBytes) throw injected(read, 'EIO on read');
    return out;
  }

  async *readStream(path: string, chunkBytes?: number): AsyncGenerator<Uint8Array> {
    let bytes = 0;
    for await (const chunk of this.inner.readStream(path, chunkBytes)) {
      if (this.faults.readLatencyMs) await sleep(this.faults.readLatencyMs);
      const { read, readAfterBytes = 0 } = this.faults;
      if (read && bytes + chunk.length > readAfterBytes) throw injected(read, 'EIO on read');
      bytes += chunk.length;
      yield chunk;
    }
  }

  status(): Promise<DriveStatus> {
    return this.inner.status();
  }
  createMarker(): Promise<void> {
    return this.inner.createMarker();
  }
  readMarker(): Promise<Uint8Array | undefined> {
    return this.inner.readMarker();
  }
  writeMarker(bytes: Uint8Array): Promise<void> {
    return this.inner.writeMarker(bytes);
  }
  list(under?: string): AsyncIterable<DriveEntry> {
    return this.inner.list(under);
  }
  stat(path: string): Promise<DriveEntry | undefined> {
    return this.inner.stat(path);
  }
  mkdir(path: string): Promise<DriveEntry> {
    return this.inner.mkdir(path);
  }
  remove(path: string, expect?: Expect): Promise<void> {
    return this.inner.remove(path, expect);
  }
  rename(from: string, to: string, expect?: Expect): Promise<DriveEntry> {
    return this.inner.rename(from, to, expect);
  }
  setMtime(path: string, mtime: number, expect?: Expect): Promise<DriveEntry> {
    return this.inner.setMtime(path, mtime, expect);
  }
  cleanupTemp(): Promise<number> {
    return this.inner.cleanupTemp();
  }
  watch(onChange: (path?: string) => void): () => void {
    return this.inner.watch(onChange);
  }
}
