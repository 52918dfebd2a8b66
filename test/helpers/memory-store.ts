import { toHex } from '../../src/core/bytes';
import type { Address } from '../../src/core/objects';
import type { ObjectStore } from '../../src/core/ports';

/** A Map-backed ObjectStore for core tests; counts writes so tests can assert on them. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();
  puts = 0;
  bytesPut = 0;

  get(address: Address): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.objects.get(toHex(address)));
  }
  has(address: Address): Promise<boolean> {
    return Promise.resolve(this.objects.has(toHex(address)));
  }
  put(address: Address, bytes: Uint8Array): Promise<void> {
    const key = toHex(address);
    if (!this.objects.has(key)) {
      this.puts++;
      this.bytesPut += bytes.length;
      this.objects.set(key, bytes.slice());
    }
    return Promise.resolve();
  }
}
