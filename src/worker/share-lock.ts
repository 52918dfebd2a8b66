/**
 * One tab at a time runs a share: a Web Lock named after the share's public id, held for as
 * long as this tab has the share's object store open. Two tabs running one share would sign
 * versions as the same device, and the store's sync access handles are exclusive anyway (the
 * CLI's twin is the data directory's lock file, cli/data-dir.ts). A tab that finds the lock
 * taken waits in the lock's queue and is called once the other tab lets it go (closing, or
 * leaving the share: the runner tells the two apart).
 */
export class ShareLock {
  private releaseHeld: (() => void) | undefined;
  private waiting: AbortController | undefined;

  constructor(private readonly name: string) {}

  /** Takes the lock if it is free now; true when this tab holds it. */
  tryTake(): Promise<boolean> {
    if (this.releaseHeld || !hasLocks()) return Promise.resolve(true);
    return new Promise((resolve, reject) => {
      navigator.locks
        .request(this.name, { ifAvailable: true }, (lock) => {
          if (!lock) return resolve(false);
          return this.hold(() => resolve(true));
        })
        .catch(reject);
    });
  }

  /** Queues for the lock; once this tab holds it, calls `granted`. */
  wait(granted: () => void): void {
    if (this.waiting || this.releaseHeld || !hasLocks()) return;
    const abort = new AbortController();
    this.waiting = abort;
    navigator.locks
      .request(this.name, { signal: abort.signal }, () => {
        // Granted after release() (an abort cannot undo a grant): let it go at once.
        if (this.waiting !== abort) return undefined;
        return this.hold(() => {
          this.waiting = undefined;
          granted();
        });
      })
      .catch(() => undefined); // aborted by release()
  }

  /** Lets the lock go (or stops waiting for it). */
  release(): void {
    this.waiting?.abort();
    this.waiting = undefined;
    this.releaseHeld?.();
    this.releaseHeld = undefined;
  }

  /** The lock's callback: held until release(). */
  private hold(held: () => void): Promise<void> {
    return new Promise<void>((release) => {
      this.releaseHeld = release;
      held();
    });
  }
}

/** Web Locks are in every current browser; without them there is no other tab to wait for. */
const hasLocks = (): boolean => typeof navigator !== 'undefined' && 'locks' in navigator;
