/** A bounded parallel loop, shared by the apply and the early writes. */

/**
 * Runs `f` over `items`, at most `count` at once and, past the first, only while the weights of
 * those running stay within `budget`. After a throw no new item starts; the first error is
 * thrown once the running ones have finished (nothing is left running behind).
 */
export async function eachLimited<T>(
  items: readonly T[],
  { count, budget, weight }: { count: number; budget: number; weight: (item: T) => number },
  f: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let running = 0;
  let used = 0;
  const errors: unknown[] = [];
  await new Promise<void>((resolve) => {
    const start = (): void => {
      while (next < items.length && errors.length === 0 && running < count) {
        const item = items[next]!;
        const w = weight(item);
        if (running > 0 && used + w > budget) break;
        next++;
        running++;
        used += w;
        void f(item)
          .catch((e: unknown) => void errors.push(e))
          .finally(() => {
            running--;
            used -= w;
            start();
          });
      }
      if (running === 0) resolve();
    };
    start();
  });
  if (errors.length > 0) throw errors[0];
}
