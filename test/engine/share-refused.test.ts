import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../src/core/bytes';
import { createShare, type WriteCapability } from '../../src/core/capability';
import { encodeSignedHead, type SignedHead } from '../../src/core/head';
import type { Session } from '../../src/core/session';
import { ShareEngine } from '../../src/engine/share';
import { MemoryDrive } from '../../src/storage/memory-drive';
import { MemoryObjectStore } from '../../src/storage/memory-object-store';
import { MemoryStateStore } from '../../src/storage/memory-state-store';
import { unsafeHead } from '../integration/safety-fixture';
import { until } from '../helpers/pipe';
import { put, snapshot, T0 } from './fixture';

interface Peer {
  engine: ShareEngine;
  drive: MemoryDrive;
  store: MemoryObjectStore;
  state: MemoryStateStore;
}

function peer(
  cap: WriteCapability,
  device: string,
  from: Partial<Omit<Peer, 'engine'>> = {},
): Peer {
  const drive = from.drive ?? new MemoryDrive({ now: () => T0 });
  const store = from.store ?? new MemoryObjectStore();
  const state = from.state ?? new MemoryStateStore();
  const engine = new ShareEngine({ capability: cap, drive, store, state, device, now: () => T0 });
  return { engine, drive, store, state };
}

function link(x: Peer, y: Peer): void {
  const ends: { x?: Session; y?: Session } = {};
  ends.x = x.engine.connect((m) => setImmediate(() => ends.y?.receive(m)));
  ends.y = y.engine.connect((m) => setImmediate(() => ends.x?.receive(m)));
}

const frontierIds = (p: Peer): string[] =>
  p.engine.replica.graph.frontier().map((h) => toHex(h.id));

/** Announces `head` to `p` (its objects already in p's store, as if fetched from a peer). */
async function deliver(p: Peer, head: SignedHead): Promise<void> {
  const before = p.engine.warnings.length;
  p.engine.replica.receiveHeads([encodeSignedHead(head)]);
  await until(() => p.engine.warnings.length > before && p.engine.status.state !== 'syncing');
  await p.engine.sync();
}

describe('ShareEngine and heads whose tree cannot be read', () => {
  it('refuses a signed head naming ../x and an absolute path: nothing written, the rest syncs on', async () => {
    const cap = createShare();
    const a = peer(cap, '00000000000000aa');
    await a.drive.createMarker();
    await put(a.drive, 'keep.txt', utf8('keep'));
    await a.engine.start();
    const own = frontierIds(a);
    expect(own).toHaveLength(1);
    const before = await snapshot(a.drive);

    const bad = await unsafeHead(
      cap,
      a.store,
      { '../x': 'escape', '/etc/evil': 'absolute', 'fine.txt': 'fine' },
      { parents: a.engine.replica.graph.frontier(), time: T0 },
    );
    await deliver(a, bad);

    expect(a.engine.status).toEqual({ state: 'idle' });
    expect(a.engine.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^refused version ${toHex(bad.id).slice(0, 12)} \\(device badbadbadbadbad0, seq 2\\): its index cannot be read \\(leaf\\.e\\[0\\]\\.p: bad path "/etc/evil": absolute\\); nothing of it was applied$`,
        ),
      ),
    ]);
    expect(await snapshot(a.drive)).toEqual(before);
    expect(frontierIds(a)).toEqual(own); // its parent is the frontier again; nothing new signed
    expect(await a.state.keys('refused/')).toEqual([`refused/${toHex(bad.id)}`]);
    expect(await a.state.get(`heads/${toHex(bad.id)}`)).toBeUndefined();

    // Announced again: not walked, not accepted, no second warning.
    a.engine.replica.receiveHeads([encodeSignedHead(bad)]);
    await a.engine.sync();
    expect(a.engine.replica.pending).toBe(0);
    expect(a.engine.warnings).toHaveLength(1);
    expect(frontierIds(a)).toEqual(own);

    // Sync with an honest writer carries on both ways.
    const b = peer(cap, '00000000000000bb');
    await b.drive.createMarker();
    await put(b.drive, 'from-b.txt', utf8('hello from b'));
    await b.engine.start();
    link(a, b);
    await until(
      () =>
        frontierIds(a).join() === frontierIds(b).join() &&
        a.engine.status.state === 'idle' &&
        b.engine.status.state === 'idle' &&
        a.engine.replica.pending === 0,
    );
    await a.engine.sync();
    const merged = await snapshot(a.drive);
    expect(Object.keys(merged)).toEqual(['from-b.txt', 'keep.txt']);
    expect(await snapshot(b.drive)).toEqual(merged);
    expect(b.engine.replica.graph.has(bad.id)).toBe(false);
  });

  it('keeps a head refused after a restart', async () => {
    const cap = createShare();
    const a = peer(cap, '00000000000000aa');
    await a.drive.createMarker();
    await put(a.drive, 'keep.txt', utf8('keep'));
    await a.engine.start();
    const bad = await unsafeHead(cap, a.store, { '../x': 'escape' }, { time: T0 });
    await deliver(a, bad);
    expect(a.engine.warnings).toHaveLength(1);

    const again = peer(cap, '00000000000000aa', a);
    await again.engine.start();
    expect(again.engine.replica.graph.isRefused(bad.id)).toBe(true);
    again.engine.replica.receiveHeads([encodeSignedHead(bad)]);
    await again.engine.sync();
    expect(again.engine.status).toEqual({ state: 'idle' });
    expect(again.engine.replica.graph.has(bad.id)).toBe(false);
    expect(again.engine.warnings).toHaveLength(0);
    expect(Object.keys(await snapshot(again.drive))).toEqual(['keep.txt']);
  });
});
