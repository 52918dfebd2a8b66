/**
 * InOrder (engine/in-order.ts): results come in the items' order whatever order the work
 * finishes in, at most `ahead` items are started beyond the last one taken, and an item's
 * failure is thrown when that item is taken (never earlier, never unhandled).
 */
import { describe, expect, it } from 'vitest';
import { InOrder } from '../../src/engine/in-order';

function heldWork() {
  const started: number[] = [];
  const finish = new Map<number, (error?: Error) => void>();
  const work = (n: number) =>
    new Promise<number>((resolve, reject) => {
      started.push(n);
      finish.set(n, (error) => (error ? reject(error) : resolve(n * 10)));
    });
  return { started, finish, work };
}

describe('InOrder', () => {
  it('takes results in order, starting at most `ahead` items at a time', async () => {
    const w = heldWork();
    const inOrder = new InOrder([1, 2, 3, 4, 5], w.work, 2);
    const first = inOrder.next();
    expect(w.started).toEqual([1, 2]);
    w.finish.get(2)!(); // the second finishes first: still taken second
    w.finish.get(1)!();
    expect(await first).toBe(10);
    const second = inOrder.next();
    expect(w.started).toEqual([1, 2, 3]);
    expect(await second).toBe(20);
    const third = inOrder.next();
    expect(w.started).toEqual([1, 2, 3, 4]);
    w.finish.get(3)!();
    expect(await third).toBe(30);
    for (const n of [4, 5]) {
      const next = inOrder.next();
      w.finish.get(n)!();
      expect(await next).toBe(n * 10);
    }
    await expect(inOrder.next()).rejects.toThrow('no items left');
  });

  it('throws an item’s error when that item is taken, and goes on after it', async () => {
    const w = heldWork();
    const inOrder = new InOrder([1, 2, 3], w.work, 3);
    const first = inOrder.next();
    w.finish.get(2)!(new Error('item 2 failed')); // before it is taken: not thrown yet
    w.finish.get(1)!();
    expect(await first).toBe(10);
    await expect(inOrder.next()).rejects.toThrow('item 2 failed');
    const third = inOrder.next();
    w.finish.get(3)!();
    expect(await third).toBe(30);
  });
});
