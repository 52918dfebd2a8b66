/**
 * An in-memory drive: the fast fake for engine tests, honouring the whole Drive contract
 * (core/drive.ts), temporary files included, so crash and atomicity cases mean the same here.
 * `removeRoot`, `removeMarker` and `setPermission` play the user pulling the folder away.
 */
import { concatBytes } from '../core/bytes';
import type { Drive, DriveEntry, DriveStatus, Expect, WriteOptions } from '../core/drive';
import type { StagedFile, StageOptions } from '../core/drive';
import { checkRange, DEFAULT_CHUNK_BYTES as CHUNK, driveError } from '../core/drive';
import { isHiddenName, meetsExpect } from '../core/drive';
import { PeerfoldError } from '../core/errors';
import { foldCase, parentPath, TEMP_PREFIX, validatePath } from '../core/path';

type Node =
  | { kind: 'file'; data: Uint8Array; mtime: number; executable: boolean }
  | { kind: 'dir'; mtime: number };

export interface MemoryDriveOptions {
  readonly caseInsensitive?: boolean;
  /** The clock for directory mtimes (default Date.now). */
  readonly now?: () => number;
}

export class MemoryDrive implements Drive {
  readonly caseInsensitive: boolean;
  /** By key (folded on a case-insensitive drive): the path as created, and what it holds. */
  private readonly nodes = new Map<string, { path: string; node: Node }>();
  private readonly listeners = new Set<(path?: string) => void>();
  private readonly now: () => number;
  private rootExists = true;
  private markerExists = false;
  private granted = true;
  private marker: Uint8Array | undefined;
  private temps = 0;

  constructor(options: MemoryDriveOptions = {}) {
    this.caseInsensitive = options.caseInsensitive ?? false;
    this.now = options.now ?? Date.now;
  }

  /** As if the folder were deleted from under the app (rm -rf). */
  removeRoot(): void {
    this.nodes.clear();
    this.rootExists = this.markerExists = false;
    this.marker = undefined;
    this.notify();
  }

  removeMarker(): void {
    this.markerExists = false;
    this.marker = undefined;
    this.notify();
  }

  /** As if the browser's permission dropped to 'prompt' (false) or came back (true). */
  setPermission(granted: boolean): void {
    this.granted = granted;
  }

  status(): Promise<DriveStatus> {
    if (!this.rootExists) return Promise.resolve('missing-root');
    if (!this.granted) return Promise.resolve('no-permission');
    return Promise.resolve(this.markerExists ? 'ok' : 'missing-marker');
  }

  async createMarker(): Promise<void> {
    const s = await this.status();
    if (s !== 'ok' && s !== 'missing-marker') throw paused(s);
    this.markerExists = true;
  }

  readMarker(): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.markerExists ? this.marker?.slice() : undefined);
  }

  async writeMarker(bytes: Uint8Array): Promise<void> {
    await this.createMarker();
    this.marker = bytes.slice();
  }

  async *list(under?: string): AsyncGenerator<DriveEntry> {
    if (under !== undefined) validatePath(under);
    await this.ensureOk();
    const prefix = under === undefined ? '' : `${this.key(under)}/`;
    for (const [key, { path, node }] of [...this.nodes]) {
      if (!key.startsWith(prefix) || path.split('/').some(isHiddenName)) continue;
      yield toEntry(path, node);
      await Promise.resolve(); // let other tasks run, as a real walk would
    }
    await this.ensureOk();
  }

  async stat(path: string): Promise<DriveEntry | undefined> {
    validatePath(path);
    const found = this.get(path);
    if (!found) await this.ensureOk();
    return found && toEntry(path, found.node);
  }

  async read(path: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(path, offset, length);
    const data = await this.fileData(path);
    return data.slice(offset, offset + Math.max(0, length));
  }

  async *readStream(path: string, chunkBytes = CHUNK): AsyncGenerator<Uint8Array> {
    checkRange(path, 0, chunkBytes, 1);
    const data = await this.fileData(path); // like an open fd: a later rename does not affect it
    for (let at = 0; at < data.length; at += chunkBytes) {
      yield data.slice(at, at + chunkBytes);
    }
  }

  async write(
    path: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: WriteOptions,
  ): Promise<DriveEntry> {
    validatePath(path);
    await this.ensureOk();
    this.recheck(path, options.expect);
    const parent = parentPath(path);
    this.ensureDirs(parent);
    const tmp = this.tempIn(parent);
    let crashed = false;
    try {
      const file = await this.fill(tmp, data, options);
      await options.beforeCommit?.().catch((e: unknown) => {
        crashed = true; // as if the process died here: the temporary file stays
        throw e;
      });
      await this.ensureOk();
      this.recheck(path, options.expect);
      this.ensureDirs(parent);
      this.nodes.delete(this.key(tmp));
      this.set(path, file);
    } finally {
      if (!crashed) this.nodes.delete(this.key(tmp));
    }
    this.changed(path);
    return toEntry(path, this.get(path)!.node);
  }

  /** The temporary file goes in the root, as the Node drive's. */
  async stage(
    path: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: StageOptions,
  ): Promise<StagedFile> {
    validatePath(path);
    await this.ensureOk();
    const tmp = this.tempIn('');
    const drop = (): void => void this.nodes.delete(this.key(tmp));
    try {
      await this.fill(tmp, data, options);
    } catch (e) {
      drop();
      throw e;
    }
    return new MemoryStaged(this, path, tmp, drop);
  }

  async commit(file: StagedFile, expect?: Expect): Promise<DriveEntry> {
    if (!(file instanceof MemoryStaged) || file.drive !== this) {
      throw new Error(`${JSON.stringify(file.path)}: not a file this drive staged`);
    }
    const { path, tmp } = file;
    try {
      await this.ensureOk();
      this.recheck(path, expect);
      const staged = this.get(tmp)?.node;
      if (staged?.kind !== 'file') throw driveError('missing', path, 'its staged file is gone');
      this.ensureDirs(parentPath(path));
      this.set(path, staged);
    } finally {
      await file.discard();
    }
    this.changed(path);
    return toEntry(path, this.get(path)!.node);
  }

  async mkdir(path: string): Promise<DriveEntry> {
    validatePath(path);
    await this.ensureOk();
    this.ensureDirs(path);
    return toEntry(path, this.get(path)!.node);
  }

  async remove(path: string, expect?: Expect): Promise<void> {
    validatePath(path);
    await this.ensureOk();
    const found = this.guard(path, expect);
    if (!found) return;
    if (found.kind === 'dir' && this.below(path).length > 0) {
      throw driveError('changed', path, 'directory not empty');
    }
    this.nodes.delete(this.key(path));
    this.changed(path);
  }

  async rename(from: string, to: string, expect?: Expect): Promise<DriveEntry> {
    validatePath(from);
    validatePath(to);
    await this.ensureOk();
    const found = this.guard(from, expect);
    if (!found) throw driveError('missing', from, 'no such file or directory');
    if (from === to) return toEntry(from, found);
    const caseOnly = this.key(from) === this.key(to);
    if (!caseOnly && this.get(to)) throw driveError('changed', to, 'the destination exists');
    if (!caseOnly && this.key(`${to}/`).startsWith(this.key(`${from}/`))) {
      throw driveError('io', to, 'cannot move a directory into itself');
    }
    this.ensureDirs(parentPath(to));
    const moved = [from, ...this.below(from).map((k) => this.nodes.get(k)!.path)];
    for (const old of moved) {
      const { node } = this.get(old)!;
      this.nodes.delete(this.key(old));
      this.set(to + old.slice(from.length), node);
    }
    this.changed(from);
    this.changed(to);
    return toEntry(to, found);
  }

  async setMtime(path: string, mtime: number, expect?: Expect): Promise<DriveEntry> {
    validatePath(path);
    await this.ensureOk();
    const found = this.guard(path, expect);
    if (!found) throw driveError('missing', path, 'no such file or directory');
    this.set(path, { ...found, mtime });
    this.changed(path);
    return toEntry(path, this.get(path)!.node);
  }

  cleanupTemp(): Promise<number> {
    let n = 0;
    for (const [key, { path }] of [...this.nodes]) {
      if (path.split('/').pop()!.toLowerCase().startsWith(TEMP_PREFIX)) {
        this.nodes.delete(key);
        n++;
      }
    }
    return Promise.resolve(n);
  }

  watch(onChange: (path?: string) => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  private tempIn(dir: string): string {
    return `${dir === '' ? '' : `${dir}/`}${TEMP_PREFIX}${++this.temps}`;
  }

  /** Writes `data` into the temporary file `tmp` (there, empty, while it is taken in). */
  private async fill(
    tmp: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    { mtime, executable }: StageOptions,
  ): Promise<Node> {
    this.set(tmp, { kind: 'file', data: new Uint8Array(), mtime: this.now(), executable: false });
    const chunks: Uint8Array[] = [];
    for await (const chunk of data) chunks.push(chunk.slice());
    const file = { kind: 'file' as const, data: concatBytes(...chunks), mtime, executable };
    this.set(tmp, file);
    return file;
  }

  private key(path: string): string {
    return this.caseInsensitive ? foldCase(path) : path;
  }

  private get(path: string): { path: string; node: Node } | undefined {
    return this.nodes.get(this.key(path));
  }

  /** Stores `node` at `path`, keeping the stored name's case on a case-insensitive drive. */
  private set(path: string, node: Node): void {
    const existing = this.get(path);
    this.nodes.set(this.key(path), { path: existing?.path ?? path, node });
  }

  /** Keys strictly below `path`. */
  private below(path: string): string[] {
    const prefix = `${this.key(path)}/`;
    return [...this.nodes.keys()].filter((k) => k.startsWith(prefix));
  }

  private async ensureOk(): Promise<void> {
    const s = await this.status();
    if (s !== 'ok') throw paused(s);
  }

  private async fileData(path: string): Promise<Uint8Array> {
    validatePath(path);
    const found = this.get(path);
    if (!found) await this.ensureOk();
    if (found?.node.kind !== 'file') throw driveError('missing', path, 'no such file');
    return found.node.data;
  }

  private ensureDirs(dir: string): void {
    let at = '';
    for (const segment of dir === '' ? [] : dir.split('/')) {
      at = at === '' ? segment : `${at}/${segment}`;
      const found = this.get(at);
      if (found && found.node.kind !== 'dir')
        throw driveError('changed', at, 'a file is in the way');
      if (!found) {
        this.set(at, { kind: 'dir', mtime: this.now() });
        this.changed(at);
      }
    }
  }

  /** What a write may replace: `expect` met (absence included), and no directory. */
  private recheck(path: string, expect: Expect | undefined): void {
    const node = this.get(path)?.node;
    if (expect !== undefined && !meetsExpect(node && toEntry(path, node), expect)) {
      throw driveError('changed', path, 'changed since it was seen; write refused');
    }
    if (node?.kind === 'dir') throw driveError('changed', path, 'a directory is in the way');
  }

  /** What a remove, rename or setMtime may touch: absent, or meeting `expect`. */
  private guard(path: string, expect: Expect | undefined): Node | undefined {
    const node = this.get(path)?.node;
    if (node && expect !== undefined && !meetsExpect(toEntry(path, node), expect)) {
      throw driveError('changed', path, 'changed since it was seen');
    }
    return node;
  }

  /** A change at `path`: its directory's mtime moves, as on disk, and watchers hear of it. */
  private changed(path: string): void {
    const parent = this.get(parentPath(path));
    if (parent?.node.kind === 'dir') parent.node = { kind: 'dir', mtime: this.now() };
    this.notify(path);
  }

  private notify(path?: string): void {
    for (const listener of this.listeners) queueMicrotask(() => listener(path));
  }
}

/** A file `stage` wrote, in its temporary file until committed or discarded. */
class MemoryStaged implements StagedFile {
  constructor(
    readonly drive: MemoryDrive,
    readonly path: string,
    readonly tmp: string,
    private readonly drop: () => void,
  ) {}

  discard(): Promise<void> {
    this.drop();
    return Promise.resolve();
  }
}

function toEntry(path: string, node: Node): DriveEntry {
  if (node.kind === 'dir')
    return { path, kind: 'dir', size: 0, mtime: node.mtime, executable: false };
  const { data, mtime, executable } = node;
  return { path, kind: 'file', size: data.length, mtime, executable };
}

function paused(status: DriveStatus): PeerfoldError {
  return new PeerfoldError('paused', `folder: ${status}`, false);
}
