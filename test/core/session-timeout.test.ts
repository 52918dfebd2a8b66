import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import { createShare, toStore } from '../../src/core/capability';
import { isMisbehaviour } from '../../src/core/errors';
import type { Address } from '../../src/core/objects';
import { reachable } from '../../src/core/tree';
import { HANDSHAKE_MS, STALL_MS } from '../../src/core/session';
import { decodeMessage } from '../../src/core/wire';
import { MemoryObjectStore } from '../helpers/memory-store';
import { connect, makePeer, until } from '../helpers/pipe';
import { sampleFiles, writeVersion } from '../helpers/share-fixture';
import { dataFrom, remoteFor } from './session-harness';

async function setup(sinkStore = new MemoryObjectStore()) {
  const cap = createShare();
  const source = makePeer(toStore(cap));
  const { head, root } = await writeVersion(cap, source.store, sampleFiles('a'));
  source.replica.addLocalHead(head);
  const sink = makePeer(toStore(cap), sinkStore);
  return { cap, source, head, root, sink };
}

async function addressSet(store: MemoryObjectStore, root: Address): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const r of reachable(store, root)) out.add(toHex(r.address));
  return out;
}

describe('session deadlines', () => {
  it('ends a session still in the handshake HANDSHAKE_MS after its first tick', async () => {
    const { sink } = await setup();
    const remote = await remoteFor(sink, false);
    remote.session.tick(1_000);
    remote.session.tick(1_000 + HANDSHAKE_MS - 1);
    expect(remote.session.state).toBe('hello');
    remote.session.tick(1_000 + HANDSHAKE_MS);
    expect(remote.session.state).toBe('closed');
    expect(remote.ended?.error?.code).toBe('timeout');
    expect(isMisbehaviour(remote.ended?.error)).toBe(false);
  });

  it('never ends an open session that has nothing in flight', async () => {
    const { source, sink } = await setup();
    const link = connect(source, sink);
    await until(() => sink.heads.length === 1);
    for (const t of [0, STALL_MS, 10 * STALL_MS, 100 * STALL_MS]) {
      link.a.tick(t);
      link.b.tick(t);
    }
    expect([link.a.state, link.b.state]).toEqual(['open', 'open']);
    link.a.close();
  });

  it('ends a peer that answers none of its wants for STALL_MS, and re-wants them', async () => {
    const { head, sink } = await setup();
    const remote = await remoteFor(sink);
    await remote.announce(head);
    remote.session.tick(0);
    remote.session.tick(STALL_MS - 1);
    expect(remote.session.state).toBe('open');
    remote.session.tick(STALL_MS);
    expect(remote.ended?.error?.code).toBe('timeout');
    expect(sink.replica.progress()).toMatchObject({ objectsPending: 1, objectsInFlight: 0 });
  });

  it('measures the quiet span from the last tick that saw an answer', async () => {
    const { source, head, root, sink } = await setup();
    const remote = await remoteFor(sink);
    await remote.announce(head);
    remote.session.tick(0);
    remote.send(dataFrom(source.store, root));
    await until(() => remote.wanted().length > 1);
    // an answer came between these ticks: no timeout, and the clock restarts here
    remote.session.tick(STALL_MS);
    remote.session.tick(2 * STALL_MS - 1);
    expect(remote.session.state).toBe('open');
    remote.session.tick(2 * STALL_MS);
    expect(remote.ended?.error?.code).toBe('timeout');
  });

  it('does not blame the peer while this side is still storing what it sent', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let puts = 0;
    class SlowStore extends MemoryObjectStore {
      override async put(address: Address, bytes: Uint8Array): Promise<void> {
        puts++;
        await gate;
        return super.put(address, bytes);
      }
    }
    const { source, head, root, sink } = await setup(new SlowStore());
    const remote = await remoteFor(sink);
    await remote.announce(head);
    remote.send(dataFrom(source.store, root));
    await until(() => puts === 1);
    for (const t of [0, STALL_MS, 2 * STALL_MS, 3 * STALL_MS]) remote.session.tick(t);
    expect(remote.session.state).toBe('open');
    release();
    await until(() => remote.wanted().length > 1);
    // stored: the peer is on the clock again, from the next tick
    remote.session.tick(4 * STALL_MS);
    remote.session.tick(5 * STALL_MS);
    expect(remote.ended?.error?.code).toBe('timeout');
  });

  it('completes through another peer when one goes silent mid-transfer', async () => {
    const { source: a, head, root, cap } = await setup();
    const b = makePeer(toStore(cap));
    for (const [hex, bytes] of a.store.objects) b.store.objects.set(hex, bytes);
    b.replica.addLocalHead(head);
    const sink = makePeer(toStore(cap));
    // A answers five objects, then sends nothing more (its socket still looks alive)
    let dataFromA = 0;
    const linkA = connect(a, sink, (from, bytes) => {
      if (from !== 'a') return bytes;
      if (dataFromA >= 5) return undefined;
      if (decodeMessage(bytes).type === 'data') dataFromA++;
      return bytes;
    });
    await until(() => dataFromA >= 5);
    const linkB = connect(b, sink);
    const stuck = () => {
      const p = sink.replica.progress();
      return (
        linkB.b.state === 'open' &&
        linkB.b.wantsInFlight === 0 &&
        linkA.b.wantsInFlight > 0 &&
        p.objectsPending === linkA.b.wantsInFlight &&
        p.objectsInFlight === p.objectsPending
      );
    };
    // everything still missing waits on A; B, which holds it all, is not asked
    await until(stuck);
    expect(sink.heads).toHaveLength(0);
    const heldByA = linkA.b.wantsInFlight;

    linkA.b.tick(0);
    linkA.b.tick(STALL_MS);
    expect((await linkA.closed).b?.code).toBe('timeout');
    await until(() => sink.heads.length === 1);
    expect(toHex(sink.heads[0]!.id)).toBe(toHex(head.id));
    expect(new Set(sink.store.objects.keys())).toEqual(await addressSet(a.store, root));
    expect(linkB.b.stats.objectsReceived).toBeGreaterThanOrEqual(heldByA);
    expect(linkB.b.state).toBe('open');
    linkB.a.close();
  });
});
