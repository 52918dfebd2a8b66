import { describe, expect, it } from 'vitest';
import { blockKeys, decryptBlock } from '../../src/core/blocks';
import { toHex } from '../../src/core/bytes';
import {
  createShare,
  toRead,
  toStore,
  type Capability,
  type WriteCapability,
} from '../../src/core/capability';
import { signHead, encodeSignedHead } from '../../src/core/head';
import { MAX_OBJECT_BYTES } from '../../src/core/wire';
import { iterate, reachable, treeKeys } from '../../src/core/tree';
import { randomBytes } from '../../src/core/crypto';
import type { PeerfoldError } from '../../src/core/errors';
import { Session } from '../../src/core/session';
import { decodeMessage, encodeMessage } from '../../src/core/wire';
import { MemoryObjectStore } from '../helpers/memory-store';
import { connect, makePeer, until, type Peer } from '../helpers/pipe';
import { remoteFor } from './session-harness';
import { DEVICE_B, sampleFiles, writeVersion } from '../helpers/share-fixture';

function roleOf(cap: WriteCapability, role: Capability['role']): Capability {
  return role === 'write' ? cap : role === 'read' ? toRead(cap) : toStore(cap);
}

async function addressSet(store: MemoryObjectStore, root: Uint8Array): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const r of reachable(store, root)) out.add(toHex(r.address));
  return out;
}

/** A peer holding one signed version written by the share's writer. */
async function seededPeer(cap: WriteCapability, role: Capability['role']) {
  const source = makePeer(roleOf(cap, role));
  const { head, root } = await writeVersion(cap, source.store, sampleFiles('a'));
  source.replica.addLocalHead(head);
  return { source, head, root };
}

const roles = ['write', 'read', 'store'] as const;

describe('sync session', () => {
  for (const from of roles) {
    for (const to of roles) {
      it(`replicates a share from a ${from} peer to a ${to} peer`, async () => {
        const cap = createShare();
        const { source, head, root } = await seededPeer(cap, from);
        const sink = makePeer(roleOf(cap, to));
        const link = connect(source, sink);
        await until(() => sink.heads.length === 1);
        expect(toHex(sink.heads[0]!.id)).toBe(toHex(head.id));
        expect(sink.replica.frontier().map(toHex)).toEqual([toHex(encodeSignedHead(head))]);
        const expected = await addressSet(source.store, root);
        expect(new Set(sink.store.objects.keys())).toEqual(expected);
        expect(link.a.state).toBe('open');
        if (to !== 'store') {
          // a reader decrypts every file back to its plaintext
          const files = new Map(sampleFiles('a').map((f) => [f.path, f.blocks]));
          const ctx = { store: sink.store, keys: treeKeys(cap.readKey) };
          const keys = blockKeys(cap.readKey);
          let count = 0;
          for await (const entry of iterate(ctx, root)) {
            const plain = await Promise.all(
              entry.blocks.map(async (b) =>
                decryptBlock(keys, b.address, (await sink.store.get(b.address))!),
              ),
            );
            expect(plain.map(toHex)).toEqual(files.get(entry.path)!.map(toHex));
            count++;
          }
          expect(count).toBe(files.size);
        }
        link.a.close();
        await link.closed;
      });
    }
  }

  it('exchanges concurrent heads both ways', async () => {
    const cap = createShare();
    const a = makePeer(cap);
    const b = makePeer(cap);
    const va = await writeVersion(cap, a.store, sampleFiles('a'));
    const vb = await writeVersion(cap, b.store, sampleFiles('b'), DEVICE_B);
    a.replica.addLocalHead(va.head);
    b.replica.addLocalHead(vb.head);
    connect(a, b);
    await until(() => a.heads.length === 2 && b.heads.length === 2);
    const frontier = [va.head, vb.head].map((h) => toHex(encodeSignedHead(h))).sort();
    expect(a.replica.frontier().map(toHex).sort()).toEqual(frontier);
    expect(b.replica.frontier().map(toHex).sort()).toEqual(frontier);
  });

  it('refuses a peer of another share before any data flows', async () => {
    const cap = createShare();
    const { source } = await seededPeer(cap, 'write');
    const stranger = makePeer(toStore(createShare()));
    const link = connect(source, stranger);
    const closed = await link.closed;
    expect(closed.a?.code ?? closed.b?.code).toBe('unauthorized');
    expect(stranger.store.objects.size).toBe(0);
    expect(link.log.map((l) => l.message.type)).not.toContain('heads');
    expect(link.log.map((l) => l.message.type)).not.toContain('data');
  });

  it('drops a peer that sends an object not matching its address, and stores nothing of it', async () => {
    const cap = createShare();
    const { source, head } = await seededPeer(cap, 'store');
    const sink = makePeer(toStore(cap));
    let flipped = 0;
    const link = connect(source, sink, (from, bytes) => {
      const message = decodeMessage(bytes);
      // flip one bit inside the first object sent; the address stays the one wanted
      if (from === 'a' && message.type === 'data' && flipped === 0) {
        flipped++;
        const corrupt = message.bytes.slice();
        corrupt[corrupt.length >> 1]! ^= 0x40;
        return encodeMessage({ ...message, bytes: corrupt });
      }
      return bytes;
    });
    const closed = await link.closed;
    expect(flipped).toBe(1);
    expect(closed.b?.code).toBe('bad-address');
    expect(sink.heads).toHaveLength(0);
    for (const [hex, bytes] of sink.store.objects) {
      expect(toHex((await source.store.get(Uint8Array.from(Buffer.from(hex, 'hex'))))!)).toBe(
        toHex(bytes),
      );
    }
    // an honest peer then completes the same head
    const link2 = connect(source, sink);
    await until(() => sink.heads.length === 1);
    expect(toHex(sink.heads[0]!.id)).toBe(toHex(head.id));
    link2.a.close();
  });

  it('drops a peer that announces a head not signed by the share', async () => {
    const cap = createShare();
    const other = createShare();
    const source = makePeer(toStore(cap));
    const sink = makePeer(toStore(cap));
    const link = connect(source, sink);
    await until(() => link.a.state === 'open' && link.b.state === 'open');
    const forged = signHead(other, {
      seq: 1,
      parents: [],
      root: new Uint8Array(32),
      time: 1,
      device: DEVICE_B,
    });
    link.a.announce([encodeSignedHead(forged)]);
    const closed = await link.closed;
    expect(closed.b?.code).toBe('bad-signature');
    expect(sink.heads).toHaveLength(0);
    expect(sink.replica.graph.size).toBe(0);
    expect(sink.store.objects.size).toBe(0);
  });

  it('never sends more object bytes than the receiver granted', async () => {
    const cap = createShare();
    const { source } = await seededPeer(cap, 'write');
    const sink = makePeer(toStore(cap));
    const link = connect(source, sink);
    await until(() => sink.heads.length === 1);
    let granted = 0;
    let sent = 0;
    let worst = -Infinity;
    for (const { from, message } of link.log) {
      if (from === 'b' && message.type === 'credit') granted += message.bytes;
      if (from === 'a' && message.type === 'data') {
        // a sender may start one object while it holds any credit, never beyond
        expect(granted - sent).toBeGreaterThan(0);
        sent += message.bytes.length;
        worst = Math.max(worst, sent - granted);
      }
    }
    expect(sent).toBeGreaterThan(300 * 1024);
    expect(worst).toBeLessThanOrEqual(MAX_OBJECT_BYTES);
  });

  for (const early of ['want', 'data'] as const) {
    it(`closes a peer that sends ${early} before its proof, telling it nothing of the share`, async () => {
      const cap = createShare();
      const a = makePeer(toStore(cap));
      const sent: string[] = [];
      let error: PeerfoldError | undefined;
      const session = new Session({
        replica: a.replica,
        send: (bytes) => sent.push(decodeMessage(bytes).type),
        onClose: (e) => (error = e),
        randomNonce: () => randomBytes(32),
      });
      session.start();
      session.receive(encodeMessage({ type: 'hello', nonce: randomBytes(32), role: 'store' }));
      session.receive(
        encodeMessage(
          early === 'want'
            ? { type: 'want', addresses: [new Uint8Array(32)] }
            : { type: 'data', address: new Uint8Array(32), bytes: new Uint8Array(4) },
        ),
      );
      await session.idle();
      expect(error?.code).toBe('protocol');
      expect(session.state).toBe('closed');
      // data is refused on arrival (no credit yet); a want when its turn comes, after the proof
      expect(sent).toEqual(early === 'want' ? ['hello', 'proof', 'bye'] : ['hello', 'bye']);
      expect(a.store.objects.size).toBe(0);
    });
  }

  it('sends wanted objects only while its transport has room', async () => {
    const cap = createShare();
    const { source, root } = await seededPeer(cap, 'store');
    let full: Promise<void> | undefined;
    let release = (): void => undefined;
    const remote = await remoteFor(source, true, () => full);
    const addresses: Uint8Array[] = [];
    for await (const r of reachable(source.store, root)) addresses.push(r.address);
    const dataSent = (): number => remote.sent.filter((m) => m.type === 'data').length;
    full = new Promise((resolve) => (release = resolve));
    remote.send({ type: 'credit', bytes: 1 << 20 });
    remote.send({ type: 'want', addresses: addresses.slice(0, 3) });
    await remote.session.idle();
    await new Promise((r) => setTimeout(r, 30));
    expect(dataSent()).toBe(0);
    full = undefined;
    release();
    await until(() => dataSent() === 3);
    expect(remote.ended).toBeUndefined();
  });

  it('asks another peer for what one peer does not have', async () => {
    const cap = createShare();
    const { source: full, head, root } = await seededPeer(cap, 'store');
    // a partial peer knows the head but lost half of the objects
    const partial = makePeer(toStore(cap), new MemoryObjectStore());
    for (const [hex, bytes] of full.store.objects) partial.store.objects.set(hex, bytes);
    const keys = [...partial.store.objects.keys()];
    for (const hex of keys.slice(0, keys.length / 2)) partial.store.objects.delete(hex);
    partial.replica.addLocalHead(head);
    const sink: Peer = makePeer(toStore(cap));
    const first = connect(partial, sink);
    await until(() => first.log.some((l) => l.message.type === 'dont-have'));
    expect(sink.heads).toHaveLength(0);
    connect(full, sink);
    await until(() => sink.heads.length === 1);
    expect(new Set(sink.store.objects.keys())).toEqual(await addressSet(full.store, root));
  });
  it('refuses a head whose seq is not above its parent, with a warning, and stays up', async () => {
    const cap = createShare();
    const source = makePeer(cap);
    const first = await writeVersion(cap, source.store, sampleFiles('a'));
    const second = signHead(cap, {
      seq: 2,
      parents: [first.head.id],
      root: first.root,
      time: 2,
      device: DEVICE_B,
    });
    // a validly signed child of `second` that claims seq 2 again: the graph must refuse it
    const bad = signHead(cap, {
      seq: 2,
      parents: [second.id],
      root: first.root,
      time: 3,
      device: DEVICE_B,
    });
    const sink = makePeer(toStore(cap));
    sink.replica.addLocalHead(first.head);
    sink.replica.addLocalHead(second);
    for (const [hex, bytes] of source.store.objects) sink.store.objects.set(hex, bytes);
    const link = connect(source, sink);
    await until(() => link.b.state === 'open');
    link.a.announce([encodeSignedHead(bad)]);
    await until(() => sink.warnings.length > 0);
    expect(sink.warnings[0]!.code).toBe('malformed');
    expect(sink.replica.frontier().map(toHex)).toEqual([toHex(encodeSignedHead(second))]);
    expect(link.b.state).toBe('open');
    link.a.close();
  });
});
