/**
 * A Drive that passes everything to the real one and counts what a scan does: entries listed,
 * files read (the scanner streams each new or changed file through the chunker and the cipher
 * while reading it), bytes read, and the time during which at least one file was being read as
 * the scanner consumed it (it reads several at once), measured here, in the worker, where that
 * work runs.
 */
import type { Drive, DriveEntry, Expect, WriteOptions } from '../core/drive';
import type { ScanProgress, ScanTiming } from '../engine/api';

export class ProgressDrive implements Drive {
  private progress = { listed: 0, reading: 0, bytesRead: 0, bytesToRead: 0 };
  private timing = { files: 0, bytes: 0, ms: 0 };
  private readonly sizes = new Map<string, number>();
  /** Files being read now, and since when at least one has been. */
  private open = 0;
  private openSince = 0;

  constructor(
    private readonly inner: Drive,
    private readonly onProgress: () => void,
  ) {}

  get caseInsensitive(): boolean {
    return this.inner.caseInsensitive;
  }

  /** Starts counting a new pass. */
  reset(): void {
    this.progress = { listed: 0, reading: 0, bytesRead: 0, bytesToRead: 0 };
    this.timing = { files: 0, bytes: 0, ms: 0 };
    this.sizes.clear();
  }

  current(): ScanProgress {
    return { ...this.progress };
  }

  /** The reading done since `reset`. */
  measured(): ScanTiming {
    return { ...this.timing };
  }

  status() {
    return this.inner.status();
  }
  createMarker() {
    return this.inner.createMarker();
  }
  readMarker() {
    return this.inner.readMarker();
  }
  writeMarker(bytes: Uint8Array) {
    return this.inner.writeMarker(bytes);
  }

  async *list(under?: string): AsyncGenerator<DriveEntry> {
    for await (const entry of this.inner.list(under)) {
      this.progress.listed++;
      if (entry.kind === 'file') this.sizes.set(entry.path, entry.size);
      if (this.progress.listed % 256 === 0) this.onProgress();
      yield entry;
    }
    this.onProgress();
  }

  stat(path: string) {
    return this.inner.stat(path);
  }
  read(path: string, offset: number, length: number) {
    return this.inner.read(path, offset, length);
  }

  async *readStream(path: string, chunkBytes?: number): AsyncGenerator<Uint8Array> {
    const p = this.progress;
    p.reading++;
    p.bytesToRead += this.sizes.get(path) ?? 0;
    this.onProgress();
    if (this.open++ === 0) this.openSince = performance.now();
    let bytes = 0;
    try {
      for await (const chunk of this.inner.readStream(path, chunkBytes)) {
        bytes += chunk.length;
        p.bytesRead += chunk.length;
        this.onProgress();
        yield chunk;
      }
    } finally {
      this.timing.files++;
      this.timing.bytes += bytes;
      if (--this.open === 0) this.timing.ms += performance.now() - this.openSince;
    }
  }

  write(
    path: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: WriteOptions,
  ) {
    return this.inner.write(path, data, options);
  }
  mkdir(path: string) {
    return this.inner.mkdir(path);
  }
  remove(path: string, expect?: Expect) {
    return this.inner.remove(path, expect);
  }
  rename(from: string, to: string, expect?: Expect) {
    return this.inner.rename(from, to, expect);
  }
  setMtime(path: string, mtime: number, expect?: Expect) {
    return this.inner.setMtime(path, mtime, expect);
  }
  cleanupTemp() {
    return this.inner.cleanupTemp();
  }
  watch(onChange: (path?: string) => void) {
    return this.inner.watch(onChange);
  }
}
