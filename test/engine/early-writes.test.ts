/**
 * Early writes through the engine: a received file is staged while its blocks arrive and
 * committed by the apply; staged files nobody uses are removed (a peer gone mid-transfer, the
 * engine closed).
 */
import { describe, expect, it } from 'vitest';
import { bytesEqual, toHex } from '../../src/core/bytes';
import type { Address } from '../../src/core/objects';
import { lookup, treeKeys } from '../../src/core/tree';
import { createShare, toRead, type Capability } from '../../src/core/capability';
import type { DriveEntry, Expect, StagedFile, StageOptions } from '../../src/core/drive';
import type { Session } from '../../src/core/session';
import { decodeMessage } from '../../src/core/wire';
import { STAGE_MIN_BYTES } from '../../src/engine/early-writes';
import { ShareEngine } from '../../src/engine/share';
import type { MemoryDrive } from '../../src/storage/memory-drive';
import { MemoryStateStore } from '../../src/storage/memory-state-store';
import { bytesFor } from '../helpers/data';
import { MemoryObjectStore } from '../helpers/memory-store';
import { until } from '../helpers/pipe';
import { CountingDrive, put, T0 } from './fixture';

/**
 * Records what was staged (and how many heads the receiver had then), which stages wrote their
 * whole file, and what was committed.
 */
class StagingDrive extends CountingDrive {
  staged: { path: string; headsKnown: number }[] = [];
  written: string[] = [];
  committed: string[] = [];
  headsKnown = (): number => 0;

  override async stage(
    path: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: StageOptions,
  ): Promise<StagedFile> {
    this.staged.push({ path, headsKnown: this.headsKnown() });
    const file = await super.stage(path, data, options);
    this.written.push(path);
    return file;
  }

  override async commit(file: StagedFile, expect?: Expect): Promise<DriveEntry> {
    const entry = await super.commit(file, expect);
    this.committed.push(file.path);
    return entry;
  }
}

interface Peer {
  engine: ShareEngine;
  drive: StagingDrive;
  store: MemoryObjectStore;
}

async function peer(cap: Capability, device: string): Promise<Peer> {
  const drive = new StagingDrive({ now: () => T0 });
  await drive.createMarker();
  const store = new MemoryObjectStore();
  const engine = new ShareEngine({
    capability: cap,
    drive,
    store,
    state: new MemoryStateStore(),
    device,
    now: () => T0,
  });
  drive.headsKnown = () => engine.replica.graph.all().length;
  return { engine, drive, store };
}

/**
 * The engines' sessions over an asynchronous pipe; messages from `x` that `hold` picks wait
 * until `release()` (never, if it is not called).
 */
function link(x: Peer, y: Peer, hold = (_: Uint8Array): boolean => false) {
  const ends: { x?: Session; y?: Session } = {};
  const held: Uint8Array[] = [];
  let holding = true;
  const deliver = (m: Uint8Array): void => void ends.y?.receive(m);
  ends.x = x.engine.connect((m) =>
    setImmediate(() => (holding && hold(m) ? held.push(m) : deliver(m))),
  );
  ends.y = y.engine.connect((m) => setImmediate(() => ends.x?.receive(m)));
  return {
    release: (): void => {
      holding = false;
      held.splice(0).forEach(deliver);
    },
    cut: (): void => {
      ends.x?.close('test');
      ends.y?.close('test');
    },
  };
}

/** The address of the last block of `path` in the sender's index. */
async function lastBlock(p: Peer, cap: { readonly readKey: Uint8Array }, path: string) {
  const ctx = { store: p.store, keys: treeKeys(cap.readKey) };
  const entry = await lookup(ctx, p.engine.localRoot!, path);
  return entry!.blocks.at(-1)!.address;
}

/** Whether a message carries the block at `address`. */
const carries = (address: Address) => {
  const hex = toHex(address);
  return (message: Uint8Array): boolean => {
    const m = decodeMessage(message);
    return m.type === 'data' && toHex(m.address) === hex;
  };
};

async function read(drive: MemoryDrive, path: string): Promise<Uint8Array> {
  const s = await drive.stat(path);
  return drive.read(path, 0, s!.size);
}

describe('early writes', () => {
  it('stages big received files before their head is accepted; the apply only commits them', async () => {
    const cap = createShare();
    const a = await peer(cap, 'aaaaaaaaaaaaaaaa');
    const big = bytesFor('early-big', STAGE_MIN_BYTES + 1);
    await put(a.drive, 'dir/big.bin', big, T0 + 1);
    await put(a.drive, 'small.bin', bytesFor('early-small', STAGE_MIN_BYTES - 1), T0 + 2);
    await a.engine.start();
    const r = await peer(toRead(cap), 'bbbbbbbbbbbbbbbb');
    await r.engine.start();
    // big.bin's last block waits until its stage has begun, however fast the rest comes.
    const { release } = link(a, r, carries(await lastBlock(a, cap, 'dir/big.bin')));
    await until(() => r.drive.staged.length === 1);
    release();
    await until(
      () => r.engine.replica.graph.all().length === 1 && r.engine.status.state === 'idle',
    );
    await r.engine.sync();

    expect(bytesEqual(await read(r.drive, 'dir/big.bin'), big)).toBe(true);
    expect((await r.drive.stat('small.bin'))?.size).toBe(STAGE_MIN_BYTES - 1);
    expect(r.drive.staged).toEqual([{ path: 'dir/big.bin', headsKnown: 0 }]); // while receiving
    expect(r.drive.committed).toEqual(['dir/big.bin']);
    expect(r.drive.writes).toBe(1); // small.bin, by the apply; nothing written twice
    expect(await r.drive.cleanupTemp()).toBe(0); // nothing left behind
  });

  it('discards a staged file the merge does not use once a pass has merged its head', async () => {
    const cap = createShare();
    const a = await peer(cap, 'aaaaaaaaaaaaaaaa');
    await put(a.drive, 'x.bin', bytesFor('older, from a', STAGE_MIN_BYTES), T0 + 1);
    await a.engine.start();
    const r = await peer(cap, 'bbbbbbbbbbbbbbbb');
    const mine = bytesFor('newer, from r', STAGE_MIN_BYTES);
    await put(r.drive, 'x.bin', mine, T0 + 5);
    await r.engine.start();
    const { release } = link(a, r, carries(await lastBlock(a, cap, 'x.bin')));
    await until(() => r.drive.staged.length === 1);
    release();
    // Concurrent versions: the newer keeps x.bin, A's lands beside it as a conflict copy.
    await until(() => r.engine.replica.graph.has(a.engine.replica.graph.all()[0]!.id));
    await until(() => r.engine.status.state === 'idle');
    await r.engine.sync();
    expect(r.drive.staged.map((s) => s.path)).toEqual(['x.bin']);
    expect(r.drive.written).toEqual(['x.bin']); // a whole staged file, not a stage that failed
    expect(r.drive.committed).toEqual([]);
    expect(bytesEqual(await read(r.drive, 'x.bin'), mine)).toBe(true);
    expect((await listAll(r.drive)).length).toBe(2);
    expect(await r.drive.cleanupTemp()).toBe(0);
  });

  it('removes what it staged, written or waiting, when the engine closes mid-transfer', async () => {
    const cap = createShare();
    const a = await peer(cap, 'aaaaaaaaaaaaaaaa');
    await put(a.drive, 'arrives.bin', bytesFor('arrives', STAGE_MIN_BYTES), T0 + 1);
    await put(a.drive, 'held.bin', bytesFor('held', STAGE_MIN_BYTES), T0 + 2);
    await a.engine.start();
    const r = await peer(toRead(cap), 'bbbbbbbbbbbbbbbb');
    await r.engine.start();
    const { cut } = link(a, r, carries(await lastBlock(a, cap, 'held.bin')));
    await until(() => r.drive.written.length === 1 && r.engine.replica.pending === 1);
    expect(r.drive.staged.map((s) => s.path).sort()).toEqual(['arrives.bin', 'held.bin']);
    expect(r.drive.written).toEqual(['arrives.bin']);
    expect(r.engine.replica.graph.all()).toEqual([]);
    cut(); // held.bin's stage still waits: another peer may have its last block
    await r.engine.close(); // ends that wait (its temporary file goes) and removes arrives.bin's
    expect(await r.drive.cleanupTemp()).toBe(0);
    expect(r.drive.committed).toEqual([]);
    expect([...(await listAll(r.drive))]).toEqual([]);
  });
});

async function listAll(drive: MemoryDrive): Promise<string[]> {
  const out: string[] = [];
  for await (const e of drive.list()) out.push(e.path);
  return out;
}
