/**
 * PackReadAhead: reads that run in order share one window read, others read only their record,
 * a window never reaches past what the writer has finished, and each result is its own memory.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesEqual } from '../../src/core/bytes';
import { closeFd, openFd } from '../../src/storage/pack-files';
import { PackReadAhead, WINDOW_BYTES } from '../../src/storage/pack-read-ahead';

const FILE_BYTES = 3 * WINDOW_BYTES;
const content = Uint8Array.from({ length: FILE_BYTES }, (_, i) => (i * 7 + (i >> 11)) & 0xff);

describe('PackReadAhead', () => {
  let dir: string;
  let fd: number;
  let calls: number;
  let writtenEnd: number | undefined;
  let failNext = false;

  const reader = () =>
    new PackReadAhead({
      withFd: async (pack, f) => {
        expect(pack).toBe(0);
        calls++;
        if (failNext) {
          failNext = false;
          throw new Error('read failed');
        }
        return f(fd);
      },
      writtenEnd: () => writtenEnd,
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peerfold-read-ahead-'));
    await writeFile(join(dir, '0.pack'), content);
    fd = await openFd(join(dir, '0.pack'), 'r');
    calls = 0;
    writtenEnd = undefined;
    failNext = false;
  });
  afterEach(async () => {
    await closeFd(fd);
    await rm(dir, { recursive: true, force: true });
  });

  const expectBytes = (bytes: Uint8Array, offset: number, length: number) => {
    expect(bytes.length).toBe(length);
    expect(bytesEqual(bytes, content.subarray(offset, offset + length))).toBe(true);
    expect(Buffer.isBuffer(bytes)).toBe(false); // Buffer's slice() would share memory
    // A small record (an index node that may be kept) never holds a whole window.
    if (length < 16 * 1024) expect(bytes.buffer.byteLength).toBe(length);
  };

  it('reads in order through windows that larger records share', async () => {
    const r = reader();
    const record = 40_000;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => r.read(0, i * record, record)),
    );
    results.forEach((bytes, i) => expectBytes(bytes, i * record, record));
    // Records served from a window share its memory (one allocation for many blocks).
    expect(results[5]!.buffer).toBe(results[6]!.buffer);
    expect(results[5]!.buffer.byteLength).toBeGreaterThan(record);
    // The first read alone, then one window per WINDOW_BYTES: 2.4 MB in 4 reads, not 60.
    expect(calls).toBe(4);
  });

  it('reads out of order read only their record, and a record at the end is short', async () => {
    const r = reader();
    expectBytes(await r.read(0, 5000, 100), 5000, 100);
    expectBytes(await r.read(0, 1000, 100), 1000, 100);
    expectBytes(await r.read(0, 2 * WINDOW_BYTES, 100), 2 * WINDOW_BYTES, 100);
    const tail = await r.read(0, FILE_BYTES - 50, 100);
    expect(tail.length).toBe(50);
    expect(calls).toBe(4);
    // In order at the very end: the window is as short as the file.
    expectBytes(await r.read(0, FILE_BYTES - 300, 100), FILE_BYTES - 300, 100);
    expectBytes(await r.read(0, FILE_BYTES - 200, 100), FILE_BYTES - 200, 100);
    expectBytes(await r.read(0, FILE_BYTES - 100, 100), FILE_BYTES - 100, 100);
    expect(calls).toBe(6);
  });

  it('never reads ahead past what the writer has finished', async () => {
    const r = reader();
    writtenEnd = 300_000;
    expectBytes(await r.read(0, 0, 100_000), 0, 100_000);
    expectBytes(await r.read(0, 100_000, 100_000), 100_000, 100_000); // window up to 300 000
    expectBytes(await r.read(0, 200_000, 50_000), 200_000, 50_000);
    expect(calls).toBe(2);
    // Bytes past 300 000 were written later: read on their own, not from the window.
    writtenEnd = 2 * WINDOW_BYTES;
    expectBytes(await r.read(0, 260_000, 100_000), 260_000, 100_000);
    expect(calls).toBe(3);
  });

  it('when a window read fails, its reads read just their own records', async () => {
    const r = reader();
    await r.read(0, 0, 1000);
    failNext = true;
    const first = r.read(0, 1000, 1000);
    const second = r.read(0, 2000, 1000);
    expectBytes(await first, 1000, 1000);
    expectBytes(await second, 2000, 1000);
    expect(calls).toBe(4); // the first record, the failed window, then one read each
  });
});
