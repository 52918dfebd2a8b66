/**
 * An in-memory ObjectStore (core/ports.ts) with the file store's contract. Bytes are copied in
 * and out, so no caller can change a stored object after the fact.
 */
import type { Address } from '../core/objects';
import type { ObjectStore } from '../core/ports';
import { checkAddress } from './object-address';

/** `f()` as a promise: a throw becomes a rejection, as from the file-backed twin. */
export const settle = <T>(f: () => T): Promise<T> => new Promise((resolve) => resolve(f()));

export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, Uint8Array>();

  get size(): number {
    return this.objects.size;
  }

  get(address: Address): Promise<Uint8Array | undefined> {
    return settle(() => this.objects.get(checkAddress(address))?.slice());
  }

  has(address: Address): Promise<boolean> {
    return settle(() => this.objects.has(checkAddress(address)));
  }

  put(address: Address, bytes: Uint8Array): Promise<void> {
    return settle(() => {
      const key = checkAddress(address);
      if (!this.objects.has(key)) this.objects.set(key, bytes.slice());
    });
  }
}
