/**
 * The test side of opfs-pack-worker.ts: an ObjectStore whose calls run on a real OpfsPackStore
 * in a dedicated worker. Each proxy has a worker of its own, so two proxies are like two tabs.
 */
import { PeerfoldError, type ErrorCode } from '../../src/core/errors';
import type { Address } from '../../src/core/objects';
import type { ObjectStore } from '../../src/core/ports';
import type { PackReply, PackRequest } from './opfs-pack-worker';

type Body<R> = R extends PackRequest ? Omit<R, 'id'> : never;

export class PackStoreProxy implements ObjectStore {
  private readonly worker = new Worker(new URL('./opfs-pack-worker.ts', import.meta.url), {
    type: 'module',
  });
  private readonly waiting = new Map<number, (reply: PackReply) => void>();
  private last = 0;

  constructor() {
    this.worker.addEventListener('message', (m: MessageEvent<PackReply>) => {
      this.waiting.get(m.data.id)?.(m.data);
      this.waiting.delete(m.data.id);
    });
  }

  /** Opens the store in `dir`; resolves to the idx entries it dropped. */
  open(
    dir: FileSystemDirectoryHandle,
    maxPackBytes?: number,
    faults: { stall?: string; handleTimeoutMs?: number } = {},
  ): Promise<number> {
    return this.call({ op: 'open', dir, maxPackBytes, ...faults }) as Promise<number>;
  }

  get(address: Address): Promise<Uint8Array | undefined> {
    return this.call({ op: 'get', address }) as Promise<Uint8Array | undefined>;
  }

  has(address: Address): Promise<boolean> {
    return this.call({ op: 'has', address }) as Promise<boolean>;
  }

  async put(address: Address, bytes: Uint8Array): Promise<void> {
    await this.call({ op: 'put', address, bytes });
  }

  async close(): Promise<void> {
    await this.call({ op: 'close' });
  }

  stats(): Promise<{ size: number; storedBytes: number; dropped: number }> {
    return this.call({ op: 'stats' }) as Promise<{
      size: number;
      storedBytes: number;
      dropped: number;
    }>;
  }

  /** Closes the store, then ends the worker. */
  async end(): Promise<void> {
    await this.close().catch(() => undefined);
    this.worker.terminate();
  }

  private call(body: Body<PackRequest>): Promise<unknown> {
    const id = ++this.last;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => {
        if (!('error' in reply)) return resolve(reply.value);
        const { code, name, message } = reply.error;
        if (code) reject(new PeerfoldError(code as ErrorCode, message));
        else reject(Object.assign(new Error(message), { name }));
      });
      this.worker.postMessage({ ...body, id });
    });
  }
}
