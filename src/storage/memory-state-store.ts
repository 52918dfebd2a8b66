/** The in-memory twin of FsStateStore: same keys, same contract, nothing persisted. */
import { validateKey, type StateStore } from '../core/drive';
import { PeerfoldError } from '../core/errors';
import { settle } from './memory-object-store';

export class MemoryStateStore implements StateStore {
  private readonly values = new Map<string, Uint8Array>();

  get(key: string): Promise<Uint8Array | undefined> {
    return settle(() => this.values.get(validateKey(key))?.slice());
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return settle(() => {
      validateKey(key);
      // As on disk, where 'a' cannot be both a file and the directory of 'a/b'.
      for (const k of this.values.keys()) {
        if (k.startsWith(`${key}/`) || key.startsWith(`${k}/`)) {
          throw new PeerfoldError('bad-path', `state key ${key} collides with ${k}`);
        }
      }
      this.values.set(key, value.slice());
    });
  }

  delete(key: string): Promise<void> {
    return settle(() => void this.values.delete(validateKey(key)));
  }

  keys(prefix = ''): Promise<string[]> {
    return settle(() => [...this.values.keys()].filter((k) => k.startsWith(prefix)).sort());
  }
}
