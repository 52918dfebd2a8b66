/**
 * What a browser folder cannot hold itself: a file's mtime as the share knows it and its
 * executable bit (the File System Access API can neither set a modification time nor keep a
 * mode). Like Syncthing's MtimeFS on Android: for each file the drive wrote or re-stamped, the
 * table keeps the real `lastModified` and size it saw then, and the mtime and executable bit the
 * share gave it. While the file still has that size and real `lastModified`, the drive reports
 * the share's mtime; once anything edits it, the real one (so the scanner sees the edit). The
 * executable bit stays with the path until the file is removed.
 *
 * The table lives in the marker directory (`.peerfold/meta.json`) and is saved in the
 * background, coalesced: one save in flight, the next one carrying every change made meanwhile.
 * Losing the last changes (a crash) costs a rehash of those files, never data: they then report
 * their real mtime, and the scanner finds the same content.
 */
import type { DriveEntry } from '../core/drive';
import { foldCase } from '../core/path';

interface FileRecord {
  size: number;
  /** The real `lastModified` the drive saw when it recorded this. */
  seen: number;
  mtime: number;
  executable: boolean;
  /** The table's generation when recorded (a walk prunes only what is older than itself). */
  gen: number;
}

/** The JSON form: path -> [size, seen, mtime, executable 0/1]; directories: path -> mtime. */
interface Saved {
  v: 1;
  files: Record<string, [number, number, number, number]>;
  dirs: Record<string, number>;
}

export class MetaTable {
  private readonly files = new Map<string, FileRecord>();
  private readonly dirs = new Map<string, number>();
  private generation = 0;
  private dirty = false;
  private saving: Promise<void> | undefined;

  constructor(
    private readonly caseInsensitive: boolean,
    /** Persists the table's JSON atomically; a failure leaves it dirty for the next change. */
    private readonly save: (json: string) => Promise<void>,
  ) {}

  get gen(): number {
    return this.generation;
  }

  /** Loads a saved table (unreadable or foreign JSON counts as empty). */
  load(json: string | undefined): void {
    if (json === undefined) return;
    let saved: Saved;
    try {
      saved = JSON.parse(json) as Saved;
    } catch {
      return;
    }
    if (saved?.v !== 1) return;
    for (const [path, r] of Object.entries(saved.files ?? {})) {
      if (!Array.isArray(r) || r.length !== 4 || !r.every(Number.isSafeInteger)) continue;
      const [size, seen, mtime, x] = r;
      this.files.set(path, { size, seen, mtime, executable: x === 1, gen: 0 });
    }
    for (const [path, mtime] of Object.entries(saved.dirs ?? {})) {
      if (Number.isSafeInteger(mtime)) this.dirs.set(path, mtime);
    }
  }

  fileEntry(path: string, file: { size: number; lastModified: number }): DriveEntry {
    const r = this.files.get(this.key(path));
    const same = r !== undefined && r.size === file.size && r.seen === file.lastModified;
    const mtime = same ? r.mtime : Math.round(file.lastModified);
    return { path, kind: 'file', size: file.size, mtime, executable: r?.executable ?? false };
  }

  dirEntry(path: string): DriveEntry {
    // A directory has no time in this API: 0 unless the share gave it one (the scanner never
    // compares directory times).
    return {
      path,
      kind: 'dir',
      size: 0,
      mtime: this.dirs.get(this.key(path)) ?? 0,
      executable: false,
    };
  }

  setFile(path: string, file: { size: number; lastModified: number }, mtime: number, x: boolean) {
    const record = { size: file.size, seen: file.lastModified, mtime, executable: x };
    this.files.set(this.key(path), { ...record, gen: ++this.generation });
    this.changed();
  }

  setDir(path: string, mtime: number): void {
    this.dirs.set(this.key(path), mtime);
    this.changed();
  }

  /** Forgets `path` and everything below it. */
  remove(path: string): void {
    const key = this.key(path);
    for (const map of [this.files, this.dirs]) {
      for (const k of [...map.keys()]) if (k === key || k.startsWith(`${key}/`)) map.delete(k);
    }
    this.changed();
  }

  /** Carries the records of `from` and everything below it over to `to`. */
  move(from: string, to: string): void {
    const [src, dst] = [this.key(from), this.key(to)];
    for (const map of [this.files, this.dirs] as Map<string, unknown>[]) {
      for (const [k, v] of [...map]) {
        if (k !== src && !k.startsWith(`${src}/`)) continue;
        map.delete(k);
        map.set(dst + k.slice(src.length), v);
      }
    }
    this.changed();
  }

  /** After a complete walk: forgets files not `seen`, unless recorded since `gen`. */
  prune(seen: ReadonlySet<string>, gen: number): void {
    let n = 0;
    for (const [k, r] of [...this.files]) {
      if (r.gen <= gen && !seen.has(k)) n += Number(this.files.delete(k));
    }
    for (const k of [...this.dirs.keys()]) if (!seen.has(k)) n += Number(this.dirs.delete(k));
    if (n > 0) this.changed();
  }

  key(path: string): string {
    return this.caseInsensitive ? foldCase(path) : path;
  }

  /** Resolves once every change made so far is saved (or a save failed). */
  async flush(): Promise<void> {
    for (let p = this.inFlight(); p; p = this.inFlight()) await p;
    if (this.dirty) {
      this.changed();
      await this.inFlight();
    }
  }

  private inFlight(): Promise<void> | undefined {
    return this.saving;
  }

  private changed(): void {
    this.dirty = true;
    this.saving ??= this.saveLoop().finally(() => (this.saving = undefined));
  }

  private async saveLoop(): Promise<void> {
    await Promise.resolve(); // let the caller's other changes of this tick join this save
    while (this.dirty) {
      this.dirty = false;
      try {
        await this.save(this.toJson());
      } catch {
        this.dirty = true; // the marker is gone or locked: the next change tries again
        return;
      }
    }
  }

  private toJson(): string {
    const saved: Saved = { v: 1, files: {}, dirs: Object.fromEntries(this.dirs) };
    for (const [k, r] of this.files) saved.files[k] = [r.size, r.seen, r.mtime, +r.executable];
    return JSON.stringify(saved);
  }
}
