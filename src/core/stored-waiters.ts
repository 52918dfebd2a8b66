/**
 * Callers waiting for objects a replica is still fetching (the engine writes a file while its
 * blocks arrive). Each wait ends with true once the object is stored, or false once nobody
 * fetches it any more (the head needing it was abandoned or refused), or when the caller stops.
 */
export class StoredWaiters {
  private readonly waiting = new Map<string, ((stored: boolean) => void)[]>();

  /** Resolves when `hex` is stored (true) or dropped (false); `signal` ends it with false. */
  wait(hex: string, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (stored: boolean): void => {
        signal?.removeEventListener('abort', abort);
        resolve(stored);
      };
      const abort = (): void => {
        this.remove(hex, done);
        resolve(false);
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.waiting.set(hex, [...(this.waiting.get(hex) ?? []), done]);
    });
  }

  /** The object was stored (true) or will not be (false). */
  settle(hex: string, stored: boolean): void {
    const list = this.waiting.get(hex);
    if (!list) return;
    this.waiting.delete(hex);
    for (const done of list) done(stored);
  }

  /** Ends with false every wait for an object `needed` no longer lists. */
  dropUnneeded(needed: (hex: string) => boolean): void {
    for (const hex of [...this.waiting.keys()]) if (!needed(hex)) this.settle(hex, false);
  }

  private remove(hex: string, done: (stored: boolean) => void): void {
    const list = this.waiting.get(hex)?.filter((d) => d !== done);
    if (list?.length) this.waiting.set(hex, list);
    else this.waiting.delete(hex);
  }
}
