/**
 * The Node ObjectStore (core/ports.ts): one file per object under `<dir>/objects/ab/cdef...`
 * (hex address, fanned out on its first byte). Puts go through a temporary file and a rename,
 * so concurrent puts of one object are safe (same bytes, last rename wins) and no reader ever
 * sees half an object under its name.
 *
 * Objects are not fsynced, a deliberate choice: after a power cut an object may be lost or torn
 * (a rename that reached the disk before the data), never taken for good data, because `get`
 * re-verifies every object against its address and treats a torn or corrupt file as missing
 * (deleting it), so it is fetched again. Folder files, which are not verified on read, are
 * fsynced by the drive instead.
 *
 * Speed: a put skips its existence check for an object this store just reported missing (the
 * replica asks before it fetches, so received objects cost no extra stat); file I/O goes through
 * the callback API, which costs fewer round trips than FileHandles on a busy machine.
 */
import { readFile as readFileCb, rename as renameCb, writeFile as writeFileCb } from 'node:fs';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { matchesAddress, type Address } from '../core/objects';
import type { ObjectStore } from '../core/ports';
import { discard, errno, fsError, isNotFound, tempName } from './node-fs';
import { checkAddress } from './object-address';

const readFile = promisify(readFileCb);
const writeFile = promisify(writeFileCb);
const rename = promisify(renameCb);

/** Addresses remembered as missing (an optimisation only: forgetting one costs a stat). */
const MAX_KNOWN_MISSING = 16_384;

export class FsObjectStore implements ObjectStore {
  readonly objects: string;
  private readonly tmp: string;
  /** Fan-out directories known to exist (saves a mkdir per put). */
  private readonly made = new Set<string>();
  /** Hex addresses `get` or `has` just found missing, oldest first. */
  private readonly missing = new Set<string>();

  constructor(dir: string) {
    this.objects = join(dir, 'objects');
    this.tmp = join(this.objects, 'tmp');
  }

  async get(address: Address): Promise<Uint8Array | undefined> {
    const hex = checkAddress(address);
    const file = this.file(hex);
    let bytes: Uint8Array;
    try {
      const read = await readFile(file);
      // A file's own buffer (not a pooled slice) is used as is: one copy less per object.
      const whole = read.byteOffset === 0 && read.byteLength === read.buffer.byteLength;
      bytes = whole ? new Uint8Array(read.buffer) : new Uint8Array(read);
    } catch (e) {
      if (!isNotFound(e)) throw fsError(e, file);
      this.noteMissing(hex);
      return undefined;
    }
    if (matchesAddress(address, bytes)) return bytes;
    await unlink(file).catch(() => undefined); // corrupt or torn: forget it so it is re-fetched
    this.noteMissing(hex);
    return undefined;
  }

  async has(address: Address): Promise<boolean> {
    const hex = checkAddress(address);
    try {
      return (await stat(this.file(hex))).isFile();
    } catch (e) {
      if (!isNotFound(e)) throw fsError(e, 'object store');
      this.noteMissing(hex);
      return false;
    }
  }

  async put(address: Address, bytes: Uint8Array): Promise<void> {
    const hex = checkAddress(address);
    // Known missing a moment ago: write without a stat. If another put stored it meanwhile, the
    // rename replaces it with the same bytes.
    if (!this.missing.delete(hex) && (await this.has(address))) return;
    const fan = join(this.objects, hex.slice(0, 2));
    for (const dir of [this.tmp, fan]) {
      if (this.made.has(dir)) continue;
      await mkdir(dir, { recursive: true }).catch((e: unknown) => {
        throw fsError(e, dir);
      });
      this.made.add(dir);
    }
    const file = this.file(hex);
    const tmp = join(this.tmp, tempName());
    try {
      await writeFile(tmp, bytes, { flag: 'wx' });
      await rename(tmp, file);
    } catch (e) {
      await discard(tmp);
      throw fsError(e, file);
    }
  }

  /** Removes temporary files of interrupted puts; call before the first put. */
  async cleanupTemp(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.tmp);
    } catch (e) {
      if (isNotFound(e)) return 0;
      throw fsError(e, this.tmp);
    }
    await Promise.all(
      names.map((n) =>
        unlink(join(this.tmp, n)).catch((e: unknown) => {
          if (!isNotFound(e) && errno(e) !== 'EISDIR') throw fsError(e, n);
        }),
      ),
    );
    return names.length;
  }

  /** Remembers `hex` as missing, so its put may skip the existence check. */
  private noteMissing(hex: string): void {
    this.missing.delete(hex);
    this.missing.add(hex);
    if (this.missing.size > MAX_KNOWN_MISSING) {
      this.missing.delete(this.missing.values().next().value!);
    }
  }

  private file(hex: string): string {
    return join(this.objects, hex.slice(0, 2), hex.slice(2));
  }
}
