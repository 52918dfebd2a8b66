/**
 * A session's stores in flight: objects already verified against their addresses, being written
 * by the replica several at a time. Storing one object waits on the disk far more than on the
 * CPU, so running a few at once keeps the disk busy while the next message is checked. At most
 * `limit` run at once (the credit window already bounds their bytes); they may finish in any
 * order, and the caller counts each one as it finishes.
 */
export class StoreSlots {
  private running = 0;
  private roomWaiter: (() => void) | undefined;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Stores started and not yet finished. */
  get size(): number {
    return this.running;
  }

  /** Resolves once fewer than `limit` stores run. One caller waits at a time (the inbox). */
  async room(): Promise<void> {
    while (this.running >= this.limit) {
      await new Promise<void>((resolve) => (this.roomWaiter = resolve));
    }
  }

  /** Runs `work` in a slot; a rejection goes to `fail`. Call only after `room()` resolved. */
  start(work: () => Promise<void>, fail: (error: unknown) => void): void {
    this.running++;
    work()
      .catch(fail)
      .finally(() => {
        this.running--;
        const waiter = this.roomWaiter;
        this.roomWaiter = undefined;
        waiter?.();
        if (this.running === 0) for (const done of this.drainWaiters.splice(0)) done();
      });
  }

  /** Resolves once no store runs. */
  drained(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }
}
