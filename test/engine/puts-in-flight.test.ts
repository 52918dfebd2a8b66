/**
 * PutsInFlight (engine/puts-in-flight.ts): a scanned file's blocks are stored several at once,
 * never more than PUTS_IN_FLIGHT, all of them before `done` returns, and a failed put fails the
 * file (at the next put or at `done`) instead of being lost.
 */
import { describe, expect, it } from 'vitest';
import type { Address } from '../../src/core/objects';
import { PUTS_IN_FLIGHT, PutsInFlight } from '../../src/engine/puts-in-flight';

/** A store whose puts finish only when the test lets them. */
function heldStore() {
  const waiting: { address: Address; finish: (error?: Error) => void }[] = [];
  const stored: Address[] = [];
  let running = 0;
  let most = 0;
  const store = {
    put: (address: Address) =>
      new Promise<void>((resolve, reject) => {
        most = Math.max(most, ++running);
        waiting.push({
          address,
          finish: (error) => {
            running--;
            if (error) return reject(error);
            stored.push(address);
            resolve();
          },
        });
      }),
  };
  return { store, waiting, stored, most: () => most };
}

const address = (n: number): Address => new Uint8Array(32).fill(n);
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('PutsInFlight', () => {
  it('runs up to PUTS_IN_FLIGHT puts at once and waits for all of them in done()', async () => {
    const s = heldStore();
    const puts = new PutsInFlight(s.store);
    for (let i = 0; i < PUTS_IN_FLIGHT - 1; i++) await puts.put(address(i), new Uint8Array(1));
    // The last one that fits waits for a slot: it is started, then holds the caller.
    let returned = false;
    const last = puts.put(address(99), new Uint8Array(1)).then(() => (returned = true));
    await tick();
    expect(s.waiting).toHaveLength(PUTS_IN_FLIGHT);
    expect(returned).toBe(false);
    s.waiting.shift()!.finish();
    await last;
    let finished = false;
    const done = puts.done().then(() => (finished = true));
    await tick();
    expect(finished).toBe(false);
    for (const w of s.waiting.splice(0)) w.finish();
    await done;
    expect(s.stored).toHaveLength(PUTS_IN_FLIGHT);
    expect(s.most()).toBe(PUTS_IN_FLIGHT);
  });

  it('throws a failed put’s error at done()', async () => {
    const s = heldStore();
    const puts = new PutsInFlight(s.store);
    await puts.put(address(1), new Uint8Array(1));
    await puts.put(address(2), new Uint8Array(1));
    s.waiting[0]!.finish(new Error('disk full'));
    s.waiting[1]!.finish();
    await expect(puts.done()).rejects.toThrow('disk full');
  });

  it('throws a failed put’s error at the next put, and starts no more', async () => {
    const s = heldStore();
    const puts = new PutsInFlight(s.store);
    await puts.put(address(1), new Uint8Array(1));
    s.waiting[0]!.finish(new Error('quota'));
    await tick();
    await expect(puts.put(address(2), new Uint8Array(1))).rejects.toThrow('quota');
    expect(s.waiting).toHaveLength(1);
  });
});
