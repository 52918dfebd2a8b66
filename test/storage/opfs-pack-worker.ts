/**
 * A dedicated worker holding an OpfsPackStore for browser tests: sync access handles exist only
 * in dedicated workers, so the tests drive the real store here through messages
 * (opfs-pack-proxy.ts). Errors come back with their code, as the store threw them.
 */
import { initCrypto } from '../../src/core/crypto';
import { isPeerfoldError } from '../../src/core/errors';
import { OpfsPackStore } from '../../src/storage/opfs-pack-store';

export type PackRequest =
  | {
      id: number;
      op: 'open';
      dir: FileSystemDirectoryHandle;
      maxPackBytes?: number;
      /** The first request for a file of this name never answers (a browser that hangs). */
      stall?: string;
      handleTimeoutMs?: number;
    }
  | { id: number; op: 'get' | 'has'; address: Uint8Array }
  | { id: number; op: 'put'; address: Uint8Array; bytes: Uint8Array }
  | { id: number; op: 'close' | 'stats' };

export type PackReply =
  | { id: number; value: unknown }
  | { id: number; error: { code?: string; name: string; message: string } };

let store: OpfsPackStore | undefined;
/** The store checks addresses with BLAKE2b (WebAssembly), loaded once. */
const ready = initCrypto();

async function answer(r: PackRequest): Promise<unknown> {
  await ready;
  if (r.op === 'open') {
    const dir = r.stall ? stalling(r.dir, r.stall) : r.dir;
    const { maxPackBytes, handleTimeoutMs } = r;
    store = await OpfsPackStore.open(dir, { maxPackBytes, handleTimeoutMs });
    return store.dropped;
  }
  if (!store) throw new Error('no store open');
  switch (r.op) {
    case 'get':
      return store.get(r.address);
    case 'has':
      return store.has(r.address);
    case 'put':
      return store.put(r.address, r.bytes);
    case 'close':
      return store.close();
    case 'stats':
      return { size: store.size, storedBytes: store.storedBytes, dropped: store.dropped };
  }
}

/** `dir`, where the first getFileHandle of `name` (at any depth) never settles. */
function stalling(dir: FileSystemDirectoryHandle, name: string): FileSystemDirectoryHandle {
  let stalled = false;
  const wrap = (d: FileSystemDirectoryHandle): FileSystemDirectoryHandle =>
    new Proxy(d, {
      get(target, prop) {
        if (prop === 'getDirectoryHandle') {
          return async (n: string, o?: FileSystemGetDirectoryOptions) =>
            wrap(await target.getDirectoryHandle(n, o));
        }
        if (prop === 'getFileHandle') {
          return (n: string, o?: FileSystemGetFileOptions) => {
            if (n !== name || stalled) return target.getFileHandle(n, o);
            stalled = true;
            return new Promise(() => undefined);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
  return wrap(dir);
}

self.addEventListener('message', (m: MessageEvent<PackRequest>) => {
  const reply = (body: PackReply) => self.postMessage(body);
  answer(m.data).then(
    (value) => reply({ id: m.data.id, value }),
    (e: unknown) => {
      const error = e instanceof Error ? e : new Error(String(e));
      const code = isPeerfoldError(e) ? e.code : undefined;
      reply({ id: m.data.id, error: { code, name: error.name, message: error.message } });
    },
  );
});
