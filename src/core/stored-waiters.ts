/**
 * Callers waiting for objects a replica is still fetching (the engine writes a file while its
 * blocks arrive). Each wait ends with the object's bytes, checked against its address, once it
 * arrives, or with undefined once nobody fetches it any more (the head needing it was abandoned
 * or refused), or when the caller stops.
 */
type Done = (bytes: Uint8Array | undefined) => void;

export class StoredWaiters {
  private readonly waiting = new Map<string, Done[]>();

  /** Resolves with `hex`'s bytes when it arrives, or undefined if dropped or `signal` aborts. */
  wait(hex: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done: Done = (bytes) => {
        signal?.removeEventListener('abort', abort);
        resolve(bytes);
      };
      const abort = (): void => {
        this.remove(hex, done);
        resolve(undefined);
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.waiting.set(hex, [...(this.waiting.get(hex) ?? []), done]);
    });
  }

  /** The object arrived (its checked bytes) or will not (undefined). */
  settle(hex: string, bytes: Uint8Array | undefined): void {
    const list = this.waiting.get(hex);
    if (!list) return;
    this.waiting.delete(hex);
    for (const done of list) done(bytes);
  }

  /** Ends with undefined every wait for an object `needed` no longer lists. */
  dropUnneeded(needed: (hex: string) => boolean): void {
    for (const hex of [...this.waiting.keys()]) if (!needed(hex)) this.settle(hex, undefined);
  }

  private remove(hex: string, done: Done): void {
    const list = this.waiting.get(hex)?.filter((d) => d !== done);
    if (list?.length) this.waiting.set(hex, list);
    else this.waiting.delete(hex);
  }
}
