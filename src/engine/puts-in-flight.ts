/**
 * A file's sealed blocks stored while the next ones are read and sealed, up to PUTS_IN_FLIGHT at
 * once. One put awaited after the other left every store round trip on the scan's path: the
 * browser's object store makes several per object (the scan read 4.7 MB/s), and the Node pack
 * store batches only puts that are waiting together (one at a time, each was its own append).
 */
import type { Address } from '../core/objects';
import type { ObjectStore } from '../core/ports';

/** Puts at once per file being scanned (memory: one sealed block each, 192 KiB at most). */
export const PUTS_IN_FLIGHT = 16;

export class PutsInFlight {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly store: Pick<ObjectStore, 'put'>) {}

  /** Starts storing `bytes`; waits while PUTS_IN_FLIGHT are running; throws a failed put's error. */
  async put(address: Address, bytes: Uint8Array): Promise<void> {
    this.throwIfFailed();
    const put: Promise<void> = this.store
      .put(address, bytes)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(put));
    this.running.add(put);
    while (this.running.size >= PUTS_IN_FLIGHT) await Promise.race(this.running);
    this.throwIfFailed();
  }

  /** Waits for every put started; throws the first failure. */
  async done(): Promise<void> {
    await this.settled();
    this.throwIfFailed();
  }

  /** Waits until no put runs any more, whatever their outcome. */
  async settled(): Promise<void> {
    await Promise.all(this.running);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
