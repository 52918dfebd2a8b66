/**
 * Issue 3, the roles with real processes on loopback: a Read peer never publishes and keeps
 * its local edit as a conflict copy when an update arrives; a Store peer keeps no plaintext
 * name or content in its data dir; writer A -> Store -> writer B with A and B never online
 * together (and back from B to A the same way).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFiles } from '../helpers/folders';
import { Fixture, snapshotLive, waitForPeers, waitForSameTree, waitUpToDate } from './peers';
import type { Peer } from './peers';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

/** `<size>:<sha256>`, as snapshotFolder spells a file holding `text`. */
function digestOf(text: string): string {
  const bytes = Buffer.from(text);
  return `${bytes.length}:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The latest `status` event of a peer. */
const lastStatus = (p: Peer) => p.proc.events.filter((e) => e.event === 'status').at(-1);

/** Every file below `root`, recursively, whose bytes contain one of `needles`. */
async function filesContaining(root: string, needles: readonly Buffer[]): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path);
    if (needles.some((n) => bytes.includes(n))) hits.push(path);
  }
  return hits;
}

describe('peerfold share: roles', () => {
  it('a Read peer never publishes, and keeps its local edit as a conflict copy', async () => {
    const t0 = Date.now();
    fixture = await Fixture.create();
    const share = await fixture.gen('w');
    await writeFiles(share.dir, { 'shared.txt': 'from the writer\n', 'keep.txt': 'keep\n' });
    const dirR = await fixture.folder('r');
    const w = await fixture.start({ id: share.write.capability, dir: share.dir, data: 'data-w' });
    const r = await fixture.start({
      id: share.read.capability,
      dir: dirR,
      data: 'data-r',
      dial: [w.port],
    });
    await waitForSameTree(share.dir, dirR);
    await waitUpToDate(r);
    const writerTree = await snapshotLive(share.dir);

    // Local edits on R (an old mtime, so the writer's later update wins the name).
    const rootBefore = lastStatus(r)?.root;
    const localEdit = new Date('2020-01-02T03:04:05.678Z');
    await writeFile(join(dirR, 'shared.txt'), 'edited on the Read peer\n');
    await utimes(join(dirR, 'shared.txt'), localEdit, localEdit);
    await writeFiles(dirR, { 'read-only-new.txt': 'made on the Read peer\n' });
    // R indexed them (its local root moved) ...
    await r.proc.waitFor((e) => e.event === 'status' && e.root !== rootBefore, {
      timeoutMs: 60_000,
    });
    // ... and a round trip from W to R afterwards shows the link worked while they were there.
    await writeFiles(share.dir, { 'ping.txt': 'ping\n' });
    await waitForFile(join(dirR, 'ping.txt'));
    await waitUpToDate(w);
    expect(await snapshotLive(share.dir)).toEqual({
      ...writerTree,
      'ping.txt': digestOf('ping\n'),
    });
    expect(lastStatus(w)?.heads).toBe(1);

    // The writer updates the file R edited: R takes the update and keeps its edit as a copy.
    await writeFile(join(share.dir, 'shared.txt'), 'the writer, again\n');
    const copy = 'shared.sync-conflict-20200102-030405-' + r.device.slice(0, 7) + '.txt';
    const expectedR = {
      'keep.txt': digestOf('keep\n'),
      'ping.txt': digestOf('ping\n'),
      'read-only-new.txt': digestOf('made on the Read peer\n'),
      'shared.txt': digestOf('the writer, again\n'),
      [copy]: digestOf('edited on the Read peer\n'),
    };
    await waitForTree(dirR, expectedR);
    await waitUpToDate(r);
    await waitUpToDate(w);
    expect(await snapshotLive(dirR)).toEqual(expectedR);
    // The writer never saw anything of R's.
    expect(await snapshotLive(share.dir)).toEqual({
      'keep.txt': digestOf('keep\n'),
      'ping.txt': digestOf('ping\n'),
      'shared.txt': digestOf('the writer, again\n'),
    });
    expect(lastStatus(w)?.heads).toBe(1);
    await fixture.stop(r);
    await fixture.stop(w);
    console.log(`roles.test (read): ${Date.now() - t0} ms`);
  }, 300_000);

  it('a Store replica holds no plaintext, and carries A to B who are never online together', async () => {
    const t0 = Date.now();
    fixture = await Fixture.create();
    const share = await fixture.gen('a');
    const nameMarker = 'zqxNAMEMARKERvbk';
    const dirMarker = 'zqxDIRMARKERvbk';
    const contentMarker = 'zqxCONTENTMARKERvbk';
    await writeFiles(share.dir, {
      [`${nameMarker}.txt`]: `${contentMarker} small\n`,
      [`${dirMarker}/inner-${nameMarker}.md`]: `${contentMarker} `.repeat(20_000), // several blocks
      'plain/other.bin': 300_000,
    });
    const a = await fixture.start({ id: share.write.capability, dir: share.dir, data: 'data-a' });
    const s = await fixture.start({ id: share.store.capability, data: 'data-s', dial: [a.port] });
    await waitForPeers(s, 1);
    // The Store accepts a head only once every object it reaches is stored.
    await s.proc.waitFor((e) => e.event === 'status' && e.heads === 1 && e.pending === 0);
    await waitUpToDate(s);
    await waitUpToDate(a);
    const fromA = await snapshotLive(share.dir);
    await fixture.stop(a);

    // B (a fresh machine) gets everything from the Store alone.
    const dirB = await fixture.folder('b');
    const b = await fixture.start({
      id: share.write.capability,
      dir: dirB,
      data: 'data-b',
      dial: [s.port],
    });
    expect(await waitForSameTree(share.dir, dirB)).toEqual(fromA);
    await waitUpToDate(b);

    // B changes the folder and leaves; A comes back and gets the change from the Store alone.
    const beforeEdit = s.proc.events.length;
    await writeFiles(dirB, { 'from-b.txt': `${contentMarker} from B\n` }, 'b');
    await writeFile(join(dirB, `${nameMarker}.txt`), `${contentMarker} edited on B\n`);
    // The Store's engine passes (syncing) once B's new head is complete there.
    await s.proc.waitFor({ event: 'status', state: 'syncing' }, { after: beforeEdit });
    await waitUpToDate(b);
    await waitUpToDate(s);
    const fromB = await snapshotLive(dirB);
    await fixture.stop(b);
    const a2 = await fixture.start({
      id: share.write.capability,
      dir: share.dir,
      data: 'data-a',
      dial: [s.port],
    });
    expect(await waitForSameTree(dirB, share.dir)).toEqual(fromB);
    await waitUpToDate(a2);
    await fixture.stop(a2);
    await fixture.stop(s);

    // Nothing under the Store's data dir holds a name, a content or a capability in the clear.
    const needles = [nameMarker, dirMarker, contentMarker, 'from-b', 'other.bin'].map((m) =>
      Buffer.from(m),
    );
    const caps = [share.write, share.read, share.store].map((c) => Buffer.from(c.capability));
    const stored = await readdir(s.data, { recursive: true });
    expect(stored.length).toBeGreaterThan(10); // it does hold the replica
    expect(await filesContaining(s.data, [...needles, ...caps])).toEqual([]);
    // The check finds markers where they are: in the writers' folders.
    expect(await filesContaining(share.dir, needles)).not.toEqual([]);
    console.log(`roles.test (store): ${Date.now() - t0} ms`);
  }, 300_000);
});

/** Polls until `file` exists. */
async function waitForFile(file: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await readFile(file);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${file} never appeared`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function sameKeysAndValues(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Polls until `dir` holds exactly `expected`. */
async function waitForTree(
  dir: string,
  expected: Record<string, string>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await snapshotLive(dir);
    if (sameKeysAndValues(now, expected)) return;
    if (Date.now() > deadline) {
      throw new Error(`${dir}: ${JSON.stringify(now)} not ${JSON.stringify(expected)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
