/**
 * Files written while their blocks still arrive (engine/stage.ts, through ShareEngine): written
 * early into temporary files, shown only when the head is complete and the apply lands them,
 * and dropped (temporary file removed) when no apply takes them or the share stops.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import {
  createShare,
  toRead,
  type Capability,
  type WriteCapability,
} from '../../src/core/capability';
import type { DriveEntry, WriteOptions } from '../../src/core/drive';
import type { Address } from '../../src/core/objects';
import { decodeMessage } from '../../src/core/wire';
import { lookup, treeKeys } from '../../src/core/tree';
import { ShareEngine } from '../../src/engine/share';
import { MemoryDrive } from '../../src/storage/memory-drive';
import { MemoryObjectStore } from '../../src/storage/memory-object-store';
import { MemoryStateStore } from '../../src/storage/memory-state-store';
import { bytesFor } from '../helpers/data';
import { until } from '../helpers/pipe';
import { put, snapshot, T0 } from './fixture';

/** Objects held back in transit until released: their `data` messages wait. */
class Gate {
  readonly held = new Set<string>();
  release!: () => void;
  private readonly open = new Promise<void>((r) => (this.release = r));

  /** Delivers `message` now, or once released if it carries a held object. */
  pass(message: Uint8Array, deliver: () => void): void {
    const m = decodeMessage(message);
    if (m.type === 'data' && this.held.has(toHex(m.address))) void this.open.then(deliver);
    else deliver();
  }
}

/** A drive that records which writes were started early and which of those are unsettled. */
class EarlyDrive extends MemoryDrive {
  readonly early: string[] = [];
  readonly late: string[] = [];
  /** Early writes whose data is complete and that wait for their commit. */
  readonly complete = new Set<string>();
  unsettled = 0;

  override write(
    path: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: WriteOptions,
  ): Promise<DriveEntry> {
    const { commit } = options;
    if (!commit) {
      this.late.push(path);
      return super.write(path, data, options);
    }
    this.early.push(path);
    this.unsettled++;
    const done = super.write(path, data, {
      ...options,
      commit: () => {
        this.complete.add(path);
        return commit();
      },
    });
    const settle = (): void => void this.unsettled--;
    done.then(settle, settle);
    return done;
  }
}

interface Peer {
  readonly engine: ShareEngine;
  readonly drive: EarlyDrive;
  readonly store: MemoryObjectStore;
}

async function peer(capability: Capability, device: string, files: Record<string, Uint8Array>) {
  const drive = new EarlyDrive({ now: () => T0 });
  await drive.createMarker();
  for (const [path, bytes] of Object.entries(files)) await put(drive, path, bytes, T0 + 1);
  const store = new MemoryObjectStore();
  const state = new MemoryStateStore();
  const engine = new ShareEngine({ capability, drive, store, state, device, now: () => T0 });
  return { engine, drive, store } satisfies Peer;
}

/** Links two peers; what `x` sends passes `gate`. */
function link(x: Peer, y: Peer, gate = new Gate()): void {
  const a = x.engine.connect((m) => setImmediate(() => gate.pass(m, () => b.receive(m))));
  const b = y.engine.connect((m) => setImmediate(() => a.receive(m)));
}

/** The address of the last block of `path` in a peer's local index. */
async function lastBlock(p: Peer, cap: WriteCapability, path: string): Promise<Address> {
  const ctx = { store: p.store, keys: treeKeys(cap.readKey) };
  const entry = await lookup(ctx, p.engine.localRoot!, path);
  return entry!.blocks.at(-1)!.address;
}

const FILES = { 'big.bin': bytesFor('big', 700_000), 'dir/small.txt': bytesFor('small', 900) };

/**
 * A writer A holding FILES and a fresh Read peer R receiving them, with the last block of
 * big.bin held in transit: R has written dir/small.txt early and waits inside big.bin.
 */
async function receiverWaitingForLastBlock(): Promise<{ a: Peer; r: Peer; gate: Gate }> {
  const cap = createShare();
  const a = await peer(cap, 'aaaaaaaaaaaaaaaa', FILES);
  const r = await peer(toRead(cap), 'rrrrrrrrrrrrrrrr', {});
  await a.engine.start();
  await r.engine.start();
  const gate = new Gate();
  gate.held.add(toHex(await lastBlock(a, cap, 'big.bin')));
  link(a, r, gate);
  await until(() => r.drive.complete.has('dir/small.txt') && r.drive.early.includes('big.bin'));
  return { a, r, gate };
}

describe('ShareEngine writing files while their blocks arrive', () => {
  it('writes them early, shows nothing until the head is complete, then lands them unwritten again', async () => {
    const { a, r, gate } = await receiverWaitingForLastBlock();
    expect(r.drive.complete.has('big.bin')).toBe(false); // its last block is still in transit
    expect(await snapshot(r.drive)).toEqual({});
    expect(r.engine.replica.graph.all()).toEqual([]);

    gate.release();
    await until(
      () => r.engine.replica.graph.all().length === 1 && r.engine.status.state === 'idle',
    );
    await r.engine.sync();
    expect(await snapshot(r.drive)).toEqual(await snapshot(a.drive));
    expect(r.drive.late).toEqual([]); // both landed from their early writes
    expect(r.drive.unsettled).toBe(0);
    expect(await r.drive.cleanupTemp()).toBe(0);
  });

  it('removes what it wrote early when the share stops before the head completes', async () => {
    const { r } = await receiverWaitingForLastBlock();
    await r.engine.stop();
    expect(r.drive.unsettled).toBe(0);
    expect(await r.drive.cleanupTemp()).toBe(0);
    expect(await snapshot(r.drive)).toEqual({});
  });

  it('drops an early write the apply does not take (the local version wins the path)', async () => {
    const cap = createShare();
    const a = await peer(cap, 'aaaaaaaaaaaaaaaa', { 'doc.txt': bytesFor('from a', 5000) });
    const b = await peer(cap, 'bbbbbbbbbbbbbbbb', {});
    await put(b.drive, 'doc.txt', bytesFor('from b, newer', 6000), T0 + 50);
    await a.engine.start();
    await b.engine.start();
    link(a, b);

    // B's newer edit keeps doc.txt; A's version lands beside it as a conflict copy.
    await until(() => b.engine.replica.graph.all().length >= 2 && b.engine.status.state === 'idle');
    await b.engine.sync();
    expect(b.drive.early).toContain('doc.txt');
    await until(() => b.drive.unsettled === 0);
    expect(await b.drive.cleanupTemp()).toBe(0);
    const files = Object.keys(await snapshot(b.drive));
    expect(files).toHaveLength(2);
    expect(files).toContain('doc.txt');
  });
});
