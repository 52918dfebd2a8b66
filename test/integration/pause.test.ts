/**
 * The receiver's folder taken away in the middle of a sync, with real `peerfold share`
 * processes: its root moved away (as to the trash, or an unmounted disk), or its `.peerfold`
 * marker deleted. The peer reports `paused` with the reason, writes nothing (no root or marker
 * recreated), publishes nothing (the other peer's tree and index root stay as they were), and
 * when the folder or marker comes back it resumes by itself and completes the sync
 * (src/engine/watch.ts, docs/SECURITY.md "Data-safety rules").
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PackObjectStore } from '../../src/storage/pack-object-store';
import type { CliEvent } from '../helpers/cli-process';
import { snapshotFolder, writeFiles } from '../helpers/folders';
import { Fixture, waitForSameTree, waitUpToDate, type Peer } from './peers';

const BIG = 48 * 1024 * 1024;

let fx: Fixture;
afterEach(async () => {
  await fx?.cleanup();
});

async function storedBytes(peer: Peer): Promise<number> {
  const data = peer.proc.events.find((e) => e.event === 'started')!.data as string;
  const store = await PackObjectStore.open(data, { readOnly: true });
  await store.close();
  return store.storedBytes;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** A folder's snapshot, or 'gone'. */
const folderState = async (dir: string): Promise<unknown> =>
  (await exists(dir)) ? snapshotFolder(dir) : 'gone';

/** The index root of the last `status` event (the peer's local index). */
const lastRoot = (peer: Peer): unknown =>
  [...peer.proc.events].reverse().find((e) => e.event === 'status')?.root;

interface Takeaway {
  /** Takes the folder (or its marker) away; returns the path to snapshot while paused. */
  readonly take: (dest: string) => Promise<string>;
  /** Brings it back. */
  readonly restore: (dest: string, receiver: Peer) => Promise<void>;
  /** The paused reason the peer reports. */
  readonly reason: RegExp;
}

async function pauseMidSync(way: Takeaway): Promise<void> {
  fx = await Fixture.create();
  const share = await fx.gen('src');
  await writeFiles(share.dir, {
    'a.txt': 'alpha\n',
    'docs/b.txt': 'bravo\n',
    'docs/deep/c.bin': 120_000,
    'big.bin': BIG,
  });
  const original = await snapshotFolder(share.dir);
  const sender = await fx.start({ id: share.write.capability, dir: share.dir, data: 'data-a' });
  await waitUpToDate(sender, 500);
  const senderRoot = lastRoot(sender);
  expect(senderRoot).toEqual(expect.stringMatching(/^[0-9a-f]{64}$/));

  // The receiver holds the Write capability: the case where deletions could be published.
  const dest = await fx.folder('dest');
  const receiver = await fx.start({
    id: share.write.capability,
    dir: dest,
    data: 'data-b',
    dial: [sender.port],
  });
  await until(async () => (await storedBytes(receiver)) >= BIG / 4, 'a quarter fetched');
  expect(await storedBytes(receiver)).toBeLessThan(BIG); // mid-sync
  const from = receiver.proc.events.length;
  const away = await way.take(dest);
  const paused = await receiver.proc.waitFor(
    { event: 'status', state: 'paused' },
    { after: from, timeoutMs: 120_000 },
  );
  expect(paused.reason).toMatch(way.reason);

  // While paused: the fetch completes into the data dir, but nothing reaches the folder, and
  // nothing is published (the sender's folder and index root stay as they were).
  await until(async () => (await storedBytes(receiver)) >= BIG, 'the fetch to complete');
  const whilePaused = await folderState(away);
  await waitUpToDate(sender, 3_000);
  expect(await snapshotFolder(share.dir)).toEqual(original);
  expect(lastRoot(sender)).toBe(senderRoot);
  expect(await folderState(away)).toEqual(whilePaused);
  const later = receiver.proc.events.slice(from).filter((e) => e.event === 'status');
  expect(later.at(-1)?.state).toBe('paused');
  expect(later.at(-1)?.reason).toMatch(way.reason);
  expect(receiver.proc.done).toBe(false);

  // Back: the receiver resumes by itself and completes; still nothing deleted anywhere.
  const back = receiver.proc.events.length;
  await way.restore(dest, receiver);
  await receiver.proc.waitFor((e: CliEvent) => e.event === 'status' && e.state !== 'paused', {
    after: back,
    timeoutMs: 60_000,
  });
  await waitForSameTree(share.dir, dest);
  await waitUpToDate(receiver, 1_500);
  await waitUpToDate(sender, 1_500);
  expect(await snapshotFolder(share.dir)).toEqual(original);
  expect(await snapshotFolder(dest)).toEqual(original);
}

describe('the folder taken away mid-sync', () => {
  it('root deleted (rm -rf) and made again empty: stays paused until the marker is back too', async () => {
    await pauseMidSync({
      take: async (dest) => {
        await rm(dest, { recursive: true });
        return dest;
      },
      // rm -rf removes the marker before the root: a pass in between sees the marker missing.
      restore: async (dest, receiver) => {
        expect(await exists(dest)).toBe(false);
        // An empty folder at the same place is not this share's folder yet: the receiver stays
        // paused, and neither marks it nor writes into it (it cannot tell it from a wrong disk).
        await mkdir(dest);
        // Several resume checks (one a second) later: still paused, the folder left empty.
        await new Promise((r) => setTimeout(r, 4_000));
        const last = [...receiver.proc.events].reverse().find((e) => e.event === 'status');
        expect(last?.state).toBe('paused');
        // and it says what is missing now, so the user knows what to do
        expect(last?.reason).toBe('the folder marker .peerfold is missing');
        expect(await readdir(dest)).toEqual([]);
        // The user says it is the share's folder by making the marker: it resumes.
        await mkdir(join(dest, '.peerfold'));
      },
      reason: /^(the folder is gone|the folder marker \.peerfold is missing)$/,
    });
  }, 240_000);

  it('root moved away: paused, nothing written or deleted, resumes when it is back', async () => {
    await pauseMidSync({
      take: async (dest) => {
        await rename(dest, `${dest}-away`);
        return `${dest}-away`;
      },
      restore: async (dest) => {
        // The receiver never recreated the folder while it was gone.
        expect(await exists(dest)).toBe(false);
        await rename(`${dest}-away`, dest);
      },
      reason: /^the folder is gone$/,
    });
  }, 240_000);

  it('.peerfold marker deleted: paused, nothing written or deleted, resumes when it is back', async () => {
    await pauseMidSync({
      take: async (dest) => {
        await rm(join(dest, '.peerfold'), { recursive: true });
        return dest;
      },
      restore: async (dest) => {
        expect(await exists(join(dest, '.peerfold'))).toBe(false); // not recreated by itself
        await mkdir(join(dest, '.peerfold'));
      },
      reason: /^the folder marker \.peerfold is missing$/,
    });
  }, 240_000);
});
