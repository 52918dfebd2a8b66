import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import { createShare, toStore } from '../../src/core/capability';
import type { Address } from '../../src/core/objects';
import { CREDIT_WINDOW, SERVE_READ_AHEAD, STORES_IN_FLIGHT } from '../../src/core/session-limits';
import { bytesFor } from '../helpers/data';
import { MemoryObjectStore } from '../helpers/memory-store';
import { makePeer, until } from '../helpers/pipe';
import { writeVersion } from '../helpers/share-fixture';
import { dataFrom, remoteFor, type Remote } from './session-harness';

/** A store whose puts wait until the test releases them, one by one, in any order. */
class GatedStore extends MemoryObjectStore {
  readonly held: { hex: string; release: () => void }[] = [];
  running = 0;
  maxRunning = 0;
  override async put(address: Address, bytes: Uint8Array): Promise<void> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise<void>((release) => this.held.push({ hex: toHex(address), release }));
    await super.put(address, bytes);
    this.running--;
  }
  /** Releases the most recently started put (last in, first out). */
  releaseNewest(): void {
    this.held.pop()!.release();
  }
}

/** A sink whose store is gated, a source with one file of `count` blocks, the root delivered. */
async function setup(count: number, blockBytes: number) {
  const cap = createShare();
  const source = makePeer(cap);
  const blocks = Array.from({ length: count }, (_, i) => bytesFor(`block-${i}`, blockBytes));
  const { head, root } = await writeVersion(cap, source.store, [{ path: 'f.bin', blocks }]);
  const store = new GatedStore();
  const sink = makePeer(toStore(cap), store);
  const remote = await remoteFor(sink);
  await remote.announce(head);
  remote.send(dataFrom(source.store, root));
  await until(() => store.held.length === 1);
  store.releaseNewest();
  await until(() => remote.wanted().length === count + 1);
  return { source, sink, store, remote, root, blockAddresses: remote.wanted().slice(1) };
}

const granted = (remote: Remote): number =>
  remote.sent.reduce((n, m) => n + (m.type === 'credit' ? m.bytes : 0), 0);

describe('a session storing several objects at once', () => {
  it('stores up to STORES_IN_FLIGHT at once and grants exactly the bytes stored, in any order', async () => {
    const count = STORES_IN_FLIGHT + 24;
    const { source, sink, store, remote, blockAddresses } = await setup(count, 100_000);
    for (const address of blockAddresses) remote.send(dataFrom(source.store, address));
    await until(() => store.held.length === STORES_IN_FLIGHT);
    // the slots are full: the rest wait in the inbox, unstored, however long the disk takes
    await new Promise((r) => setTimeout(r, 20));
    expect(store.held.length).toBe(STORES_IN_FLIGHT);
    const checkCredit = (): void => {
      const extra = granted(remote) - CREDIT_WINDOW;
      // never credit for bytes not yet stored; what is stored and not credited is under a quarter
      expect(extra).toBeLessThanOrEqual(store.bytesPut);
      expect(store.bytesPut - extra).toBeLessThan(CREDIT_WINDOW / 4);
    };
    // finish the newest first, so the stores complete out of arrival order
    while (store.puts < count + 1) {
      const done = store.puts;
      await until(() => store.held.length > 0);
      store.releaseNewest();
      await until(() => store.puts === done + 1);
      await new Promise((r) => setTimeout(r, 0)); // the session's bookkeeping after the put
      checkCredit();
    }
    await remote.session.idle();
    checkCredit();
    expect(store.maxRunning).toBe(STORES_IN_FLIGHT);
    expect(granted(remote)).toBeGreaterThan(CREDIT_WINDOW);
    expect(remote.session.state).toBe('open');
    await until(() => sink.heads.length === 1);
  });

  it('closes on a corrupt object among concurrent ones, storing nothing of it or after it', async () => {
    const { source, sink, store, remote, root, blockAddresses } = await setup(12, 50_000);
    const before = blockAddresses.slice(0, 4);
    const bad = blockAddresses[4]!;
    const after = blockAddresses.slice(5);
    for (const address of before) remote.send(dataFrom(source.store, address));
    await until(() => store.held.length === before.length); // verified, being stored
    const good = dataFrom(source.store, bad);
    if (good.type !== 'data') throw new Error('unreachable');
    const corrupt = good.bytes.slice();
    corrupt[corrupt.length >> 1]! ^= 0x40;
    remote.send({ type: 'data', address: bad, bytes: corrupt });
    for (const address of after) remote.send(dataFrom(source.store, address));
    await until(() => remote.ended !== undefined);
    expect(remote.ended!.error?.code).toBe('bad-address');
    // the objects verified before it finish storing; nothing of it or after it is stored
    while (store.held.length > 0) store.releaseNewest();
    await remote.session.idle();
    const stored = new Set(store.objects.keys());
    expect(stored).toEqual(new Set([root, ...before].map(toHex)));
    expect(sink.heads).toHaveLength(0);
    // what was not stored goes back to the pool for another peer
    expect(sink.replica.progress()).toMatchObject({
      objectsPending: 1 + after.length,
      objectsInFlight: 0,
    });
  });

  it('still stores a verified object that waited for a slot when the session ended', async () => {
    const count = STORES_IN_FLIGHT + 1;
    const { source, store, remote, blockAddresses } = await setup(count, 10_000);
    for (const address of blockAddresses) remote.send(dataFrom(source.store, address));
    await until(() => store.held.length === STORES_IN_FLIGHT);
    await until(() => remote.session.stats.objectsReceived === count + 1); // the last one waits
    remote.session.close('transport gone');
    await until(() => {
      while (store.held.length > 0) store.releaseNewest();
      return store.puts === count + 1;
    });
    await remote.session.idle();
    // every object counted as received is stored: none has to be fetched again
    expect(store.objects.size).toBe(count + 1);
    expect(remote.session.stats.bytesReceived).toBe(store.bytesPut);
  });

  it('does not blame the peer while stores in flight are slow, and idle() waits for them', async () => {
    const { source, store, remote, blockAddresses } = await setup(3, 10_000);
    for (const address of blockAddresses) remote.send(dataFrom(source.store, address));
    await until(() => store.held.length === 3);
    let idle = false;
    void remote.session.idle().then(() => (idle = true));
    for (const t of [0, 60_000, 120_000]) remote.session.tick(t);
    expect(remote.session.state).toBe('open');
    expect(idle).toBe(false);
    while (store.held.length > 0) store.releaseNewest();
    await until(() => idle);
    expect(store.puts).toBe(4);
  });

  it('ends with io, blaming no one, when one of several concurrent stores fails', async () => {
    class FailingSecond extends GatedStore {
      override async put(address: Address, bytes: Uint8Array): Promise<void> {
        if (this.puts === 1 && this.held.length === 1) throw new Error('disk full at /secret');
        return super.put(address, bytes);
      }
    }
    const cap = createShare();
    const source = makePeer(cap);
    const blocks = Array.from({ length: 4 }, (_, i) => bytesFor(`b-${i}`, 10_000));
    const { head, root } = await writeVersion(cap, source.store, [{ path: 'f.bin', blocks }]);
    const store = new FailingSecond();
    const remote = await remoteFor(makePeer(toStore(cap), store));
    await remote.announce(head);
    remote.send(dataFrom(source.store, root));
    await until(() => store.held.length === 1);
    store.releaseNewest();
    await until(() => remote.wanted().length === 5);
    for (const address of remote.wanted().slice(1)) remote.send(dataFrom(source.store, address));
    await until(() => remote.ended !== undefined);
    expect(remote.ended!.error?.code).toBe('io');
    expect(remote.sent.at(-1)).toEqual({ type: 'bye', reason: 'io' });
    while (store.held.length > 0) store.releaseNewest();
  });
});

describe('a session serving several objects at once', () => {
  /** A store whose reads wait until the test releases them. */
  class SlowReads extends MemoryObjectStore {
    readonly reads: { hex: string; release: () => void }[] = [];
    override async get(address: Address): Promise<Uint8Array | undefined> {
      await new Promise<void>((release) => this.reads.push({ hex: toHex(address), release }));
      return super.get(address);
    }
  }

  it('reads up to SERVE_READ_AHEAD ahead and still sends in the order wanted', async () => {
    const cap = createShare();
    const store = new SlowReads();
    const blocks = Array.from({ length: 20 }, (_, i) => bytesFor(`s-${i}`, 5_000));
    const { root } = await writeVersion(cap, store, [{ path: 'f.bin', blocks }]);
    const addresses = [...store.objects.keys()].filter((hex) => hex !== toHex(root));
    const remote = await remoteFor(makePeer(toStore(cap), store));
    remote.send({ type: 'credit', bytes: CREDIT_WINDOW });
    remote.send({
      type: 'want',
      addresses: addresses.map((hex) => Uint8Array.from(Buffer.from(hex, 'hex'))),
    });
    await until(() => store.reads.length === SERVE_READ_AHEAD);
    await new Promise((r) => setTimeout(r, 20));
    expect(store.reads.length).toBe(SERVE_READ_AHEAD); // bounded
    // finish the reads newest first: nothing is sent until the oldest is read
    for (let i = SERVE_READ_AHEAD - 1; i > 0; i--) store.reads[i]!.release();
    await new Promise((r) => setTimeout(r, 20));
    expect(remote.sent.filter((m) => m.type === 'data')).toHaveLength(0);
    store.reads[0]!.release();
    const dataSent = (): number => remote.sent.filter((m) => m.type === 'data').length;
    await until(() => dataSent() === SERVE_READ_AHEAD);
    // from here on every read is released as soon as it starts
    await until(() => {
      for (const r of store.reads) r.release();
      expect(store.reads.length - dataSent()).toBeLessThanOrEqual(SERVE_READ_AHEAD);
      return dataSent() === addresses.length;
    });
    const sentOrder = remote.sent.flatMap((m) => (m.type === 'data' ? [toHex(m.address)] : []));
    expect(sentOrder).toEqual(addresses);
    expect(remote.session.state).toBe('open');
  });

  it('reads nothing ahead beyond its bound while it has no credit, and sends nothing', async () => {
    const cap = createShare();
    const store = new SlowReads();
    const blocks = Array.from({ length: 20 }, (_, i) => bytesFor(`n-${i}`, 5_000));
    await writeVersion(cap, store, [{ path: 'f.bin', blocks }]);
    const addresses = [...store.objects.keys()];
    const remote = await remoteFor(makePeer(toStore(cap), store));
    remote.send({
      type: 'want',
      addresses: addresses.map((hex) => Uint8Array.from(Buffer.from(hex, 'hex'))),
    });
    await remote.session.idle();
    for (const r of store.reads) r.release();
    await new Promise((r) => setTimeout(r, 20));
    expect(store.reads.length).toBeLessThanOrEqual(SERVE_READ_AHEAD);
    expect(remote.sent.filter((m) => m.type === 'data')).toHaveLength(0);
  });
});
