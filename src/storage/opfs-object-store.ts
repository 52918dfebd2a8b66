/**
 * The browser ObjectStore (core/ports.ts) in the origin-private file system: one file per
 * object under `<dir>/objects/ab/cdef...` (hex address, fanned out on its first byte), the twin
 * of the Node file store. OPFS rather than IndexedDB because blocks total gigabytes: files keep
 * them out of the database's transaction log, and both were measured (docs/STORAGE.md).
 *
 * A put writes a temporary file in `objects/tmp` through a writable (committed on close) and
 * moves it into place, so a reader never finds a half-written object and concurrent puts of
 * one object are safe (same bytes, last move wins). `get` re-verifies every object against its
 * address and forgets a torn or corrupt one, so a crash costs a re-fetch, never bad data.
 */
import { matchesAddress, type Address } from '../core/objects';
import type { ObjectStore } from '../core/ports';
import { canMove, childFile, discard, domName, fsaError, isAbsent } from './fsa-fs';
import { moveHandle, tempName, webRandomBytes, writeChunks, type DirHandle } from './fsa-fs';
import type { RandomBytes } from './fsa-fs';
import { removeTemp } from './fsa-walk';
import { checkAddress } from './object-address';

export class OpfsObjectStore implements ObjectStore {
  /** Fan-out directories by name, once looked up or made. */
  private readonly fans = new Map<string, Promise<DirHandle>>();
  /** Puts in flight by address. */
  private readonly putting = new Map<string, Promise<void>>();

  /** A store in `dir` (e.g. a share's directory under `navigator.storage.getDirectory()`). */
  constructor(
    readonly dir: DirHandle,
    private readonly random: RandomBytes = webRandomBytes,
  ) {}

  async get(address: Address): Promise<Uint8Array | undefined> {
    const hex = checkAddress(address);
    for (let attempt = 0; ; attempt++) {
      let bytes: Uint8Array;
      try {
        const file = await this.file(hex);
        if (!file) return undefined;
        bytes = new Uint8Array(await (await file.getFile()).arrayBuffer());
      } catch (e) {
        if (isAbsent(e)) return undefined;
        // Replaced by a concurrent put of the same object since getFile(): read it again.
        if (domName(e) === 'NotReadableError' && attempt === 0) continue;
        throw fsaError(e, 'object store');
      }
      if (matchesAddress(address, bytes)) return bytes;
      const fan = await this.fan(hex);
      await discard(fan, hex.slice(2)); // corrupt or torn: forget it so it is re-fetched
      return undefined;
    }
  }

  async has(address: Address): Promise<boolean> {
    try {
      return (await this.file(checkAddress(address))) !== undefined;
    } catch (e) {
      throw fsaError(e, 'object store');
    }
  }

  async put(address: Address, bytes: Uint8Array): Promise<void> {
    const hex = checkAddress(address);
    const pending = this.putting.get(hex);
    if (pending) return pending; // same address, same bytes: one write is enough
    const put = this.store(address, hex, bytes).finally(() => this.putting.delete(hex));
    this.putting.set(hex, put);
    return put;
  }

  private async store(address: Address, hex: string, bytes: Uint8Array): Promise<void> {
    if (await this.has(address)) return;
    const name = tempName(this.random);
    const tmpDir = await this.sub('tmp');
    try {
      const fan = await this.fan(hex);
      const tmp = await tmpDir.getFileHandle(name, { create: true });
      await writeChunks(tmp, [bytes]);
      if (canMove(tmp)) return await moveHandle(tmp, fan, hex.slice(2));
      // No move (older browsers): a writable on the object itself, atomic on close().
      await writeChunks(await fan.getFileHandle(hex.slice(2), { create: true }), [bytes]);
      await discard(tmpDir, name);
    } catch (e) {
      await discard(tmpDir, name);
      // Another tab's put of this object holds it while moving it in: it is stored then.
      if (domName(e) === 'NoModificationAllowedError' && (await this.has(address))) return;
      throw fsaError(e, 'object store');
    }
  }

  /** Removes temporary files of interrupted puts; call before the first put. */
  async cleanupTemp(): Promise<number> {
    try {
      return await removeTemp(await this.sub('tmp'));
    } catch (e) {
      throw fsaError(e, 'object store');
    }
  }

  private async file(hex: string) {
    return childFile(await this.fan(hex), hex.slice(2));
  }

  private fan(hex: string): Promise<DirHandle> {
    return this.sub(hex.slice(0, 2));
  }

  private sub(name: string): Promise<DirHandle> {
    let found = this.fans.get(name);
    if (!found) {
      found = this.dir
        .getDirectoryHandle('objects', { create: true })
        .then((o) => o.getDirectoryHandle(name, { create: true }));
      found.catch(() => this.fans.delete(name)); // retry next time (quota, a vanished store)
      this.fans.set(name, found);
    }
    return found;
  }
}
