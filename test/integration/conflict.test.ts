/**
 * Issue 3, conflicts between two Write peers (real processes, --peer on loopback): both edit
 * the same file while disconnected; once reconnected both folders hold the same winner (the
 * newer mtime) and the same conflict copy (docs/PROTOCOL.md 7.1 naming), and an edit beats a
 * concurrent delete on both.
 */
import { createHash } from 'node:crypto';
import { rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFiles } from '../helpers/folders';
import { Fixture, snapshotLive, waitForPeers, waitForSameTree, waitUpToDate } from './peers';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

/** The expected copy name, spelled out from docs/PROTOCOL.md 7.1 (not from the product). */
function copyName(base: string, ext: string, mtime: Date, device: string): string {
  const stamp = mtime.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${base}.sync-conflict-${stamp}-${device.slice(0, 7)}${ext}`;
}

/** `<size>:<sha256>`, as snapshotFolder spells a file holding `text`. */
function digestOf(text: string): string {
  const bytes = Buffer.from(text);
  return `${bytes.length}:${createHash('sha256').update(bytes).digest('hex')}`;
}

describe('peerfold share: two writers edit while disconnected', () => {
  it('converges on the same winner and conflict copy; an edit beats a delete', async () => {
    const t0 = Date.now();
    fixture = await Fixture.create();
    const share = await fixture.gen('a');
    await writeFiles(share.dir, {
      'notes/doc.txt': 'base version\n',
      'gone.txt': 'base of a file B deletes\n',
      'calm.txt': 'nobody touches this\n',
    });
    const dirB = await fixture.folder('b');
    const startA = () =>
      fixture!.start({ id: share.write.capability, dir: share.dir, data: 'data-a' });
    let a = await startA();
    const startB = (port: number) =>
      fixture!.start({ id: share.write.capability, dir: dirB, data: 'data-b', dial: [port] });
    let b = await startB(a.port);
    await waitForSameTree(share.dir, dirB);
    await waitUpToDate(a);
    await waitUpToDate(b);
    await fixture.stop(b);
    await fixture.stop(a);

    // Offline: both edit notes/doc.txt (B's mtime newer); A edits gone.txt, B deletes it.
    const older = new Date('2031-05-06T07:08:09.250Z');
    const newer = new Date('2031-05-06T09:00:00.000Z');
    await writeFile(join(share.dir, 'notes/doc.txt'), 'edited on A while offline\n');
    await utimes(join(share.dir, 'notes/doc.txt'), older, older);
    await writeFile(join(dirB, 'notes/doc.txt'), 'edited on B while offline, and longer\n');
    await utimes(join(dirB, 'notes/doc.txt'), newer, newer);
    await writeFile(join(share.dir, 'gone.txt'), 'A kept working on this\n');
    await rm(join(dirB, 'gone.txt'));

    // Both scan their edits on start, before they meet (the engine starts before the network).
    a = await startA();
    b = await startB(a.port);
    await waitForPeers(b, 1);
    const merged = await waitForSameTree(share.dir, dirB, 120_000);
    await waitUpToDate(a);
    await waitUpToDate(b);
    const expected = {
      calm: digestOf('nobody touches this\n'),
      winner: digestOf('edited on B while offline, and longer\n'),
      loser: digestOf('edited on A while offline\n'),
      edit: digestOf('A kept working on this\n'),
    };
    const copy = `notes/${copyName('doc', '.txt', older, a.device)}`;
    expect(merged).toEqual({
      'calm.txt': expected.calm,
      'gone.txt': expected.edit,
      notes: 'dir',
      'notes/doc.txt': expected.winner,
      [copy]: expected.loser,
    });
    // Stable: a further pass on either side changes nothing.
    expect(await snapshotLive(share.dir)).toEqual(merged);
    expect(await snapshotLive(dirB)).toEqual(merged);
    // Both index the same merged tree.
    const lastStatus = (p: typeof a) => p.proc.events.filter((e) => e.event === 'status').at(-1);
    expect(lastStatus(a)?.root).toBe(lastStatus(b)?.root);
    await fixture.stop(b);
    await fixture.stop(a);
    console.log(`conflict.test: ${Date.now() - t0} ms`);
  }, 300_000);
});
