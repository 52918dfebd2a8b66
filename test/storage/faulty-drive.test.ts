import { describe, expect, it } from 'vitest';
import { FaultyDrive } from '../../src/storage/faulty-drive';
import { MemoryDrive } from '../../src/storage/memory-drive';
import { codeOf, driveContract, MTIME, put, readAll, text } from './drive-contract';
import { nodeHarness } from './node-harness';
import { stagingContract } from './drive-staging-contract';

driveContract('faulty over memory, no faults', async () => {
  const inner = new MemoryDrive();
  await inner.createMarker();
  return {
    drive: new FaultyDrive(inner),
    removeRoot: () => Promise.resolve(inner.removeRoot()),
    removeMarker: () => Promise.resolve(inner.removeMarker()),
    outside: () => Promise.resolve([]),
    cleanup: () => Promise.resolve(),
  };
});

driveContract('faulty over node, no faults', async () => {
  const h = await nodeHarness();
  return { ...h, drive: new FaultyDrive(h.drive) };
});

stagingContract('faulty over node, no faults', async () => {
  const h = await nodeHarness();
  return { ...h, drive: new FaultyDrive(h.drive) };
});

describe('FaultyDrive', () => {
  async function faulty(): Promise<FaultyDrive> {
    const inner = new MemoryDrive();
    await inner.createMarker();
    return new FaultyDrive(inner);
  }

  it('lets the first writeAfterBytes through, then fails every write', async () => {
    const f = await faulty();
    f.faults = { write: 'no-space', writeAfterBytes: 4 };
    expect(await codeOf(put(f, 'a', '123'))).toBe('no-space'); // short writes fail at the end
    expect(await codeOf(put(f, 'a', '123456'))).toBe('no-space');
    expect(await f.stat('a')).toBeUndefined();
    f.faults = {};
    await put(f, 'a', '123456');
    expect(await text(f, 'a')).toBe('123456');
  });

  it('crashes once between write and rename', async () => {
    const f = await faulty();
    f.faults.crashBeforeRename = true;
    expect(await codeOf(put(f, 'a', 'x'))).toBe('io');
    expect(f.faults.crashBeforeRename).toBe(false);
    expect(await codeOf(put(f, 'a', 'y'))).toBe('ok');
    expect(await f.cleanupTemp()).toBe(1);
  });

  it('adds latency to reads and writes', async () => {
    const f = await faulty();
    f.faults = { writeLatencyMs: 20, readLatencyMs: 20 };
    const start = Date.now();
    await f.write('slow', [Buffer.from('a'), Buffer.from('b')], {
      mtime: MTIME,
      executable: false,
    });
    expect(Buffer.from(await readAll(f, 'slow')).toString()).toBe('ab');
    expect(Date.now() - start).toBeGreaterThanOrEqual(55);
  });
});
