/**
 * A StateStore (core/drive.ts) in a directory: each key is a file (its '/' segments are
 * subdirectories), written to a temporary file, fsynced and renamed, then the directory synced:
 * heads and settings survive a crash whole or not at all.
 */
import { mkdir, readFile, readdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { validateKey, type StateStore } from '../core/drive';
import { PeerfoldError } from '../core/errors';
import { errno, fsError, isNotFound, syncDir, writeFileAtomic } from './node-fs';

export class FsStateStore implements StateStore {
  constructor(readonly dir: string) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const file = this.file(key);
    try {
      return new Uint8Array(await readFile(file));
    } catch (e) {
      if (isNotFound(e) || errno(e) === 'ENOTDIR') return undefined;
      throw fsError(e, file);
    }
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    const file = this.file(key);
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, value, { fsync: true });
    } catch (e) {
      const error = fsError(e, file);
      // 'a' cannot be both a file and the directory of 'a/b'.
      if (error.code !== 'changed') throw error;
      throw new PeerfoldError('bad-path', `state key ${key} collides with another key`);
    }
    await syncDir(dirname(file));
  }

  async delete(key: string): Promise<void> {
    const file = this.file(key);
    await unlink(file).catch((e: unknown) => {
      if (!isNotFound(e) && errno(e) !== 'ENOTDIR') throw fsError(e, file);
    });
  }

  async keys(prefix = ''): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (isNotFound(e)) return;
        throw fsError(e, dir);
      }
      for (const d of entries) {
        if (d.name.startsWith('.')) continue; // temporary files of a write in flight
        const key = rel === '' ? d.name : `${rel}/${d.name}`;
        if (d.isDirectory()) await walk(join(dir, d.name), key);
        else if (d.isFile() && key.startsWith(prefix)) out.push(key);
      }
    };
    await walk(this.dir, '');
    return out.sort();
  }

  private file(key: string): string {
    return join(this.dir, ...validateKey(key).split('/'));
  }
}
