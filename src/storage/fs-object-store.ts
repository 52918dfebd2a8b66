/**
 * The Node ObjectStore (core/ports.ts): one file per object under `<dir>/objects/ab/cdef...`
 * (hex address, fanned out on its first byte). Puts go through a temporary file and a rename,
 * so concurrent puts of one object are safe (same bytes, last rename wins). Objects are not
 * fsynced: `get` re-verifies every object against its address and treats a torn or corrupt
 * file as missing (deleting it), so a power cut costs a re-fetch, never bad data.
 */
import { mkdir, readFile, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { matchesAddress, type Address } from '../core/objects';
import type { ObjectStore } from '../core/ports';
import { errno, fsError, isNotFound, writeFileAtomic } from './node-fs';
import { checkAddress } from './object-address';

export class FsObjectStore implements ObjectStore {
  readonly objects: string;
  private readonly tmp: string;
  /** Fan-out directories known to exist (saves a mkdir per put). */
  private readonly made = new Set<string>();

  constructor(dir: string) {
    this.objects = join(dir, 'objects');
    this.tmp = join(this.objects, 'tmp');
  }

  async get(address: Address): Promise<Uint8Array | undefined> {
    const file = this.file(checkAddress(address));
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw fsError(e, file);
    }
    if (matchesAddress(address, bytes)) return bytes;
    await unlink(file).catch(() => undefined); // corrupt or torn: forget it so it is re-fetched
    return undefined;
  }

  async has(address: Address): Promise<boolean> {
    try {
      return (await stat(this.file(checkAddress(address)))).isFile();
    } catch (e) {
      if (isNotFound(e)) return false;
      throw fsError(e, 'object store');
    }
  }

  async put(address: Address, bytes: Uint8Array): Promise<void> {
    const hex = checkAddress(address);
    if (await this.has(address)) return;
    const fan = join(this.objects, hex.slice(0, 2));
    for (const dir of [this.tmp, fan]) {
      if (this.made.has(dir)) continue;
      await mkdir(dir, { recursive: true }).catch((e: unknown) => {
        throw fsError(e, dir);
      });
      this.made.add(dir);
    }
    await writeFileAtomic(this.file(hex), bytes, { tmpDir: this.tmp });
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

  private file(hex: string): string {
    return join(this.objects, hex.slice(0, 2), hex.slice(2));
  }
}
