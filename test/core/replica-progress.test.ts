import { describe, expect, it } from 'vitest';
import { encode } from '../../src/core/bencode';
import { bytesEqual, toHex, utf8 } from '../../src/core/bytes';
import { createShare, toStore } from '../../src/core/capability';
import { DEFAULT_CHUNKING } from '../../src/core/chunker';
import { encodeSignedHead, signHead, type SignedHead } from '../../src/core/head';
import { objectAddress, type Address } from '../../src/core/objects';
import type { ReplicaPeer } from '../../src/core/replica';
import { nodeLinks } from '../../src/core/tree-node';
import { makePeer, until, type Peer } from '../helpers/pipe';
import { DEVICE_A, sampleFiles, writeVersion } from '../helpers/share-fixture';
import { dataFrom, remoteFor, type Remote } from './session-harness';

/** Answers the remote's wants from the `from`-th on, until `done`; returns how many are answered. */
async function serveUntil(
  remote: Remote,
  source: Peer,
  done: () => boolean,
  from = 0,
): Promise<number> {
  let answered = from;
  await until(() => {
    const wanted = remote.wanted();
    for (; answered < wanted.length; answered++) {
      remote.send(dataFrom(source.store, wanted[answered]!));
    }
    return done();
  });
  return answered;
}

function totals(source: Peer): { objects: number; bytes: number } {
  let bytes = 0;
  for (const b of source.store.objects.values()) bytes += b.length;
  return { objects: source.store.objects.size, bytes };
}

function fakePeer(): ReplicaPeer & { wakes: number } {
  const peer = { wakes: 0, wake: () => void peer.wakes++, announce: () => undefined };
  return peer;
}

describe('replica progress', () => {
  it('counts objects and bytes exactly and estimates what is left', async () => {
    const cap = createShare();
    const source = makePeer(cap);
    const { head, root } = await writeVersion(cap, source.store, sampleFiles('a'));
    const sink = makePeer(toStore(cap));
    expect(sink.replica.progress()).toEqual({
      headsPending: 0,
      objectsPending: 0,
      objectsInFlight: 0,
      objectsReceived: 0,
      bytesReceived: 0,
      bytesPendingEstimate: 0,
    });
    const remote = await remoteFor(sink);
    await remote.announce(head);
    // nothing received yet: the estimate uses the chunker's average block size
    expect(sink.replica.progress()).toEqual({
      headsPending: 1,
      objectsPending: 1,
      objectsInFlight: 1,
      objectsReceived: 0,
      bytesReceived: 0,
      bytesPendingEstimate: DEFAULT_CHUNKING.avg,
    });

    const rootBytes = source.store.objects.get(toHex(root))!;
    remote.send(dataFrom(source.store, root));
    await until(() => remote.wanted().length > 1);
    const links = nodeLinks(rootBytes);
    const below = new Set([...links.children, ...links.blocks].map(toHex)).size;
    expect(sink.replica.progress()).toEqual({
      headsPending: 1,
      objectsPending: below,
      objectsInFlight: below,
      objectsReceived: 1,
      bytesReceived: rootBytes.length,
      bytesPendingEstimate: below * rootBytes.length,
    });

    await serveUntil(remote, source, () => sink.heads.length === 1, 1);
    const all = totals(source);
    expect(sink.replica.progress()).toMatchObject({
      headsPending: 0,
      objectsPending: 0,
      objectsInFlight: 0,
      objectsReceived: all.objects,
      bytesReceived: all.bytes,
      bytesPendingEstimate: 0,
    });
  });

  it('keeps the last round until a new head arrives, then counts from zero', async () => {
    const cap = createShare();
    const source = makePeer(cap);
    const first = await writeVersion(cap, source.store, sampleFiles('a'));
    const sink = makePeer(toStore(cap));
    const remote = await remoteFor(sink);
    await remote.announce(first.head);
    const answered = await serveUntil(remote, source, () => sink.heads.length === 1);
    const round = sink.replica.progress();
    expect(round.objectsReceived).toBe(source.store.objects.size);

    const before = new Set(source.store.objects.keys());
    const second = await writeVersion(cap, source.store, sampleFiles('b'), DEVICE_A, [first.head]);
    expect(sink.replica.progress()).toEqual(round);
    await remote.announce(second.head);
    expect(sink.replica.progress()).toMatchObject({ headsPending: 1, objectsReceived: 0 });
    await serveUntil(remote, source, () => sink.heads.length === 2, answered);
    const fresh = [...source.store.objects.keys()].filter((hex) => !before.has(hex));
    expect(sink.replica.progress()).toMatchObject({
      headsPending: 0,
      objectsPending: 0,
      objectsReceived: fresh.length,
    });
  });

  it('stops fetching what only a head whose tree cannot be walked needed', async () => {
    const cap = createShare();
    const sink = makePeer(toStore(cap));
    const garbage = utf8('not an index node');
    const missing = objectAddress(utf8('never sent'));
    const rootBytes = encode({
      v: 1,
      l: 1,
      c: [objectAddress(garbage), missing],
      b: [],
      x: utf8('x'),
    });
    const root = objectAddress(rootBytes);
    const head: SignedHead = signHead(cap, {
      seq: 1,
      parents: [],
      root,
      time: 1,
      device: DEVICE_A,
    });
    const peer = fakePeer();
    sink.replica.attach(peer);
    sink.replica.receiveHeads([encodeSignedHead(head)]);
    await until(() => sink.replica.progress().objectsPending === 1);
    expect(sink.replica.takeWants(peer, 10).map(toHex)).toEqual([toHex(root)]);
    await sink.replica.receiveObject(root, rootBytes);
    await until(() => sink.replica.progress().objectsPending === 2);
    const wants = sink.replica.takeWants(peer, 10);
    expect(wants.map(toHex).sort()).toEqual([objectAddress(garbage), missing].map(toHex).sort());

    await sink.replica.receiveObject(objectAddress(garbage), garbage);
    await until(() => sink.warnings.length === 1);
    expect(sink.warnings[0]!.code).toBe('malformed');
    // the missing child is still in flight at the peer; once the peer leaves, nobody wants it
    expect(sink.replica.progress()).toMatchObject({ headsPending: 0, objectsPending: 1 });
    sink.replica.detach(peer);
    expect(sink.replica.progress()).toMatchObject({ objectsPending: 0, objectsInFlight: 0 });
    expect(sink.heads).toHaveLength(0);
  });
});

describe('replica want pool', () => {
  it('re-wants from another peer what a peer lacked or held when it left', async () => {
    const cap = createShare();
    const source = makePeer(cap);
    const { head, root } = await writeVersion(cap, source.store, sampleFiles('a'));
    const sink = makePeer(toStore(cap));
    const [p1, p2, p3] = [fakePeer(), fakePeer(), fakePeer()];
    sink.replica.attach(p1);
    sink.replica.attach(p2);
    sink.replica.receiveHeads([encodeSignedHead(head)]);
    await until(() => sink.replica.progress().objectsPending === 1);
    const is = (wants: Address[]) => wants.length === 1 && bytesEqual(wants[0]!, root);

    expect(is(sink.replica.takeWants(p1, 10))).toBe(true);
    expect(sink.replica.takeWants(p2, 10)).toEqual([]);
    sink.replica.lacks(p1, [root]);
    expect(sink.replica.takeWants(p1, 10)).toEqual([]);
    expect(is(sink.replica.takeWants(p2, 10))).toBe(true);

    const wakes = p1.wakes;
    sink.replica.detach(p2);
    expect(p1.wakes).toBe(wakes + 1);
    expect(sink.replica.takeWants(p1, 10)).toEqual([]); // p1 said it lacks it
    sink.replica.attach(p3);
    sink.replica.detach(p3);
    expect(sink.replica.takeWants(p3, 10)).toEqual([]); // a detached peer is given nothing
    sink.replica.attach(p3);
    expect(is(sink.replica.takeWants(p3, 10))).toBe(true);
  });
});
