/**
 * The browser StateStore (core/drive.ts) in IndexedDB through idb-keyval: one database per
 * share (a custom store), keys as given, values as bytes. A put is one readwrite transaction
 * that checks for a colliding key ('a' beside 'a/b', as on disk) and writes: atomic, like the
 * Node store's rename. Persistence across browser storage pressure is the app's
 * `navigator.storage.persist()` request (docs/STORAGE.md).
 */
import { del, get, keys, promisifyRequest, type UseStore } from 'idb-keyval';
import { validateKey, type StateStore } from '../core/drive';
import { isPeerfoldError, PeerfoldError } from '../core/errors';

const STORE = 'state';

export class IdbStateStore implements StateStore {
  private db: Promise<IDBDatabase> | undefined;
  private readonly use: UseStore;

  /** `name`: the database, one per share (a name derived from the discovery key, say). */
  constructor(readonly name: string) {
    this.use = (mode, callback) =>
      this.open().then((db) => callback(db.transaction(STORE, mode).objectStore(STORE)));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = await this.run(() => get<unknown>(validateKey(key), this.use));
    return value instanceof Uint8Array ? value : undefined;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    validateKey(key);
    const bytes = value.slice(); // a copy the caller cannot change before the write is done
    await this.run(() =>
      this.use('readwrite', async (store) => {
        const parents = key.split('/').map((_, i, all) => all.slice(0, i).join('/'));
        const below = IDBKeyRange.bound(`${key}/`, `${key}0`, false, true); // '0' follows '/'
        const found = await Promise.all([
          ...parents.filter((p) => p !== '').map((p) => promisifyRequest(store.getKey(p))),
          promisifyRequest(store.getKey(below)),
        ]);
        const clash = found.find((k) => k !== undefined);
        if (clash !== undefined) {
          store.transaction.abort();
          throw new PeerfoldError(
            'bad-path',
            `state key ${key} collides with ${JSON.stringify(clash)}`,
          );
        }
        store.put(bytes, key);
        await promisifyRequest(store.transaction);
      }),
    );
  }

  async delete(key: string): Promise<void> {
    await this.run(() => del(validateKey(key), this.use));
  }

  async keys(prefix = ''): Promise<string[]> {
    const all = await this.run(() => keys<string>(this.use));
    return all.filter((k) => typeof k === 'string' && k.startsWith(prefix)).sort();
  }

  /** Closes the database (e.g. before deleting it when a share is left). */
  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db) (await db.catch(() => undefined))?.close();
  }

  /** Deletes the whole database of share `name`. */
  static async destroy(name: string): Promise<void> {
    await promisifyRequest(indexedDB.deleteDatabase(name));
  }

  private open(): Promise<IDBDatabase> {
    if (this.db) return this.db;
    const request = indexedDB.open(this.name);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    const db = promisifyRequest(request).then((opened) => {
      // Another tab deleting or upgrading the database: let go, reopen on the next call.
      opened.onversionchange = () => {
        opened.close();
        if (this.db === db) this.db = undefined;
      };
      opened.onclose = () => {
        if (this.db === db) this.db = undefined;
      };
      return opened;
    });
    db.catch(() => (this.db = undefined));
    this.db = db;
    return db;
  }

  private async run<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (isPeerfoldError(e)) throw e;
      const name = e instanceof DOMException ? e.name : '';
      // The name too: Chromium's IndexedDB errors can come with an empty message.
      const why = e instanceof Error ? `${name || e.name}: ${e.message}` : String(e);
      const code = name === 'QuotaExceededError' ? 'no-space' : 'io';
      throw new PeerfoldError(code, `state store ${this.name}: ${why}`, false);
    }
  }
}
