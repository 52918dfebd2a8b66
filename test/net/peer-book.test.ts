import { describe, expect, it } from 'vitest';
import { AvoidList } from '../../src/net/avoid-list';
import { FIRST_RETRY_MS, MAX_FAILURES, MAX_RETRY_MS, PeerBook } from '../../src/net/peer-book';
import { duplicateLoser, type Connection } from '../../src/net/swarm-peers';

describe('AvoidList', () => {
  it('avoids an address for its term only', () => {
    let now = 0;
    const avoid = new AvoidList(() => now, 1_000);
    avoid.add('10.0.0.1:1', 'sent garbage');
    expect(avoid.reason('10.0.0.1:1')).toBe('sent garbage');
    expect(avoid.has('10.0.0.1:2')).toBe(false);
    now = 999;
    expect(avoid.has('10.0.0.1:1')).toBe(true);
    now = 1_000;
    expect(avoid.has('10.0.0.1:1')).toBe(false);
    expect(avoid.size).toBe(0);
  });

  it('stays bounded under a flood of addresses', () => {
    const avoid = new AvoidList(() => 0);
    for (let i = 0; i < 10_000; i++) avoid.add(`10.0.${i >> 8}.${i & 255}:1`, 'bad');
    expect(avoid.size).toBeLessThanOrEqual(4096);
    expect(avoid.has('10.0.39.15:1')).toBe(true); // the newest is kept
  });
});

describe('PeerBook', () => {
  it('doubles the wait after each failure, caps it, and forgets after MAX_FAILURES', () => {
    const book = new PeerBook(() => 0);
    const c = book.add({ host: '10.0.0.1', port: 1 }, 'dht')!;
    expect([...book.ready()]).toEqual([c]);
    const waits: (number | undefined)[] = [];
    for (let i = 0; i < MAX_FAILURES; i++) waits.push(book.failed(c));
    expect(waits.slice(0, 3)).toEqual([FIRST_RETRY_MS, 2 * FIRST_RETRY_MS, 4 * FIRST_RETRY_MS]);
    expect(Math.max(...waits.filter((w) => w !== undefined))).toBeLessThanOrEqual(MAX_RETRY_MS);
    expect(waits.at(-1)).toBeUndefined();
    expect(book.get(c.key)).toBeUndefined();
  });

  it('offers an address again once its wait is over, and resets after a success', () => {
    let now = 0;
    const book = new PeerBook(() => now);
    const c = book.add({ host: '10.0.0.1', port: 1 }, 'dht')!;
    c.busy = true;
    expect([...book.ready()]).toEqual([]);
    book.failed(c);
    book.failed(c);
    expect([...book.ready()]).toEqual([]);
    expect(book.nextRetryAt()).toBe(2 * FIRST_RETRY_MS);
    now = 2 * FIRST_RETRY_MS;
    expect([...book.ready()]).toEqual([c]);
    book.succeeded(c);
    expect(book.failed(c)).toBe(FIRST_RETRY_MS);
    expect(book.add({ host: '10.0.0.1', port: 1 }, 'pex')).toBe(c);
  });
});

describe('duplicate connections', () => {
  const conn = (direction: 'in' | 'out', open = false) => ({ direction, open }) as Connection;

  it('drops the same connection on both ends when dials cross', () => {
    const low = '00'.repeat(20);
    const high = 'ff'.repeat(20);
    // Seen from the low-id peer: its own dial (out) stays, whichever arrived first.
    expect(duplicateLoser(conn('in'), conn('out'), low, high)).toBe('incoming');
    expect(duplicateLoser(conn('out'), conn('in'), low, high)).toBe('existing');
    // Seen from the high-id peer: the low-id peer's dial (in, for it) stays.
    expect(duplicateLoser(conn('out'), conn('in'), high, low)).toBe('incoming');
    expect(duplicateLoser(conn('in'), conn('out'), high, low)).toBe('existing');
  });

  it('never drops a proven connection for a newcomer claiming the same peer id', () => {
    const low = '00'.repeat(20);
    const high = 'ff'.repeat(20);
    expect(duplicateLoser(conn('out'), conn('in', true), low, high)).toBe('incoming');
    expect(duplicateLoser(conn('in'), conn('out', true), high, low)).toBe('incoming');
  });

  it('drops the newer of two connections in the same direction', () => {
    expect(duplicateLoser(conn('in'), conn('in'), 'a', 'b')).toBe('incoming');
    expect(duplicateLoser(conn('out'), conn('out'), 'a', 'b')).toBe('incoming');
  });
});
