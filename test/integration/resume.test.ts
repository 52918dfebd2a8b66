/**
 * kill -9 in the middle of a large transfer, with real `peerfold share` processes: the receiver
 * killed while fetching and again while writing a file (a big one is written while its blocks
 * arrive), the sender killed while serving. A
 * restarted peer resumes without fetching a verified object twice (the bytes it receives after
 * the restart are at most those of the objects it lacked), and no file ever appears in the
 * destination folder half-written (polled every 20 ms throughout).
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { PackObjectStore } from '../../src/storage/pack-object-store';
import { bytesFor } from '../helpers/data';
import { snapshotFolder, writeFiles } from '../helpers/folders';
import { bytesReceived, Fixture, waitForSameTree, waitUpToDate, type Peer } from './peers';
import { TornFilePoller } from './safety-fixture';

const BIG = 160 * 1024 * 1024;
const BIG2 = 96 * 1024 * 1024;

let fx: Fixture;
let poller: TornFilePoller | undefined;
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
  await fx?.cleanup();
});

/** Bytes of the objects in a data dir's pack store (as its index counts them). */
async function storedBytes(shareData: string): Promise<number> {
  const store = await PackObjectStore.open(shareData, { readOnly: true });
  await store.close();
  return store.storedBytes;
}

/** The share's folder inside a peer's data dir (from its `started` event). */
const shareData = (peer: Peer): string =>
  peer.proc.events.find((e) => e.event === 'started')!.data as string;

/** Prints the byte counts with PEERFOLD_TEST_REPORT=1 (for reports and benchmarks). */
function report(numbers: Record<string, number>): void {
  if (process.env.PEERFOLD_TEST_REPORT) console.info(JSON.stringify(numbers));
}

/** Polls until `condition` holds (every 20 ms); throws after `timeoutMs`. */
async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 180_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A source folder with one big file and a few small ones, shared by an up-to-date writer. */
async function source(): Promise<{ id: string; dir: string; expected: Record<string, string> }> {
  fx = await Fixture.create();
  const share = await fx.gen('src');
  await writeFiles(share.dir, { 'big.bin': BIG, 'small/one.txt': 'one\n', 'small/two.bin': 9_000 });
  return { id: share.write.capability, dir: share.dir, expected: await snapshotFolder(share.dir) };
}

/** Adds `files` to the source folder, telling `expected` (a poller's) first what they hold. */
async function addFiles(
  src: { dir: string; expected: Record<string, string> },
  files: Record<string, number>,
): Promise<void> {
  for (const [path, size] of Object.entries(files)) {
    const digest = createHash('sha256')
      .update(bytesFor(`v2/${path}`, size))
      .digest('hex');
    src.expected[path] = `${size}:${digest}`;
  }
  await writeFiles(src.dir, files, 'v2');
}

/** Waits until the peer is up to date and its progress counters have settled; returns `received`. */
async function finalReceived(peer: Peer): Promise<number> {
  await waitUpToDate(peer, 3_000);
  return bytesReceived(peer);
}

describe('kill -9 mid-transfer', () => {
  it('the receiver (killed while fetching, then while writing) resumes without re-fetching verified blocks, and never shows a torn file', async () => {
    const src = await source();
    const sender = await fx.start({ id: src.id, dir: src.dir, data: 'data-a' });
    await waitUpToDate(sender, 500);
    const dest = await fx.folder('dest');
    poller = new TornFilePoller(dest, src.expected);
    const receiverArgs = { id: src.id, dir: dest, data: 'data-b', dial: [sender.port] };

    // Run 1: killed once about a third of the big file's objects are stored.
    const first = await fx.start(receiverArgs);
    const store = shareData(first);
    await until(async () => (await storedBytes(store)) >= BIG / 3, 'a third stored');
    await first.proc.stop('SIGKILL');
    const atFirstKill = await storedBytes(store);
    const received1 = bytesReceived(first);
    expect(atFirstKill).toBeLessThan(BIG);

    // Run 2: fetches only what run 1 had not stored.
    expect(received1).toBeGreaterThan(0);
    const second = await fx.start(receiverArgs);
    await waitForSameTree(src.dir, dest, 180_000);
    const received2 = await finalReceived(second);
    const afterSecond = await storedBytes(store);
    expect(received2).toBeLessThanOrEqual(afterSecond - atFirstKill);
    expect(received2).toBeGreaterThan(BIG - atFirstKill - 1024 * 1024);
    expect(received1 + received2).toBeLessThanOrEqual(afterSecond + 16 * 1024 * 1024);

    // A second big file; run 2 is killed as soon as it is being written (a temporary file in
    // the folder). A big file is written while its blocks arrive (early writes), so run 3
    // fetches what run 2 had not stored, and nothing it had.
    const temps = poller.tempSightings;
    await addFiles(src, { 'big2.bin': BIG2 });
    await until(() => poller!.tempSightings > temps, 'big2.bin being written');
    await second.proc.stop('SIGKILL');
    const atSecondKill = await storedBytes(store);
    expect((await readdir(dest)).some((n) => n.startsWith('.peerfold-tmp-'))).toBe(true);

    const third = await fx.start(receiverArgs);
    await waitForSameTree(src.dir, dest, 180_000);
    const received3 = await finalReceived(third);
    const atEnd = await storedBytes(store);
    await poller.stop();

    report({ atFirstKill, received1, received2, afterSecond, atSecondKill, received3, atEnd });
    expect(atSecondKill).toBeGreaterThan(afterSecond); // run 2 had stored some of big2.bin
    expect(received3).toBeLessThanOrEqual(atEnd - atSecondKill);
    expect(received1 + received2 + received3).toBeLessThanOrEqual(atEnd + 16 * 1024 * 1024);
    expect(poller.torn).toEqual([]);
    expect(poller.tempSightings).toBeGreaterThan(temps); // a write was observed in progress
    expect(poller.polls).toBeGreaterThan(100);
    expect((await readdir(dest)).filter((n) => n.startsWith('.peerfold-tmp-'))).toEqual([]);
  }, 400_000);

  it('the sender killed mid-transfer and restarted: the receiver completes, fetching each object once', async () => {
    const src = await source();
    const dest = await fx.folder('dest');
    const receiver = await fx.start({ id: src.id, dir: dest, data: 'data-b' });
    poller = new TornFilePoller(dest, src.expected);
    const senderArgs = { id: src.id, dir: src.dir, data: 'data-a', dial: [receiver.port] };

    const sender = await fx.start(senderArgs);
    const store = shareData(receiver);
    await until(async () => (await storedBytes(store)) >= BIG / 3, 'a third stored');
    await sender.proc.stop('SIGKILL');
    const atKill = await storedBytes(store);
    expect(atKill).toBeLessThan(BIG);

    const restarted = await fx.start(senderArgs);
    await waitForSameTree(src.dir, dest, 180_000);
    const received = await finalReceived(receiver);
    const atEnd = await storedBytes(store);
    await poller.stop();

    report({ atKill, received, atEnd, polls: poller.polls });
    expect(poller.torn).toEqual([]);
    expect(poller.polls).toBeGreaterThan(100);
    expect(received).toBeGreaterThan(BIG);
    expect(received).toBeLessThanOrEqual(atEnd);
    expect(restarted.proc.done).toBe(false);
  }, 400_000);
});
