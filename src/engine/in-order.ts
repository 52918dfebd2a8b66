/**
 * Work on a list of items started a few at a time ahead of where the caller is, its results
 * taken one by one in the list's order. The scanner reads and seals the next files while it
 * turns the current one into an entry: one file after the other, every read, stat and store
 * round trip of a small file was on the scan's path (a browser scanned 500 files of 128 KiB at
 * 3.4-4.1 MB/s, one file of 64 MiB at 8.7).
 */
type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export class InOrder<T, R> {
  /** Started and not yet taken, by index. */
  private readonly started = new Map<number, Promise<Settled<R>>>();
  private startedCount = 0;
  private taken = 0;

  constructor(
    private readonly items: readonly T[],
    private readonly work: (item: T) => Promise<R>,
    private readonly ahead: number,
  ) {}

  /** The result for the next item in order (its error thrown), starting those after it. */
  async next(): Promise<R> {
    if (this.taken >= this.items.length) throw new Error('InOrder: no items left');
    const until = Math.min(this.items.length, this.taken + this.ahead);
    for (; this.startedCount < until; this.startedCount++) {
      // Settled into a value: a result not taken yet is never an unhandled rejection.
      const work = this.work(this.items[this.startedCount]!).then(
        (value): Settled<R> => ({ ok: true, value }),
        (error: unknown): Settled<R> => ({ ok: false, error }),
      );
      this.started.set(this.startedCount, work);
    }
    const result = await this.started.get(this.taken)!;
    this.started.delete(this.taken); // the caller holds it now: memory for the next ones
    this.taken++;
    if (!result.ok) throw result.error;
    return result.value;
  }

  /** Waits until no work started is still running (results not taken are dropped). */
  async settled(): Promise<void> {
    await Promise.all(this.started.values());
  }
}
