import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import { createShare, type WriteCapability } from '../../src/core/capability';
import { encodeSignedHead } from '../../src/core/head';
import type { Address } from '../../src/core/objects';
import { Replica } from '../../src/core/replica';
import { nodeLinks } from '../../src/core/tree-node';
import { MemoryObjectStore } from '../helpers/memory-store';
import { until, type Peer } from '../helpers/pipe';
import { sampleFiles, writeVersion } from '../helpers/share-fixture';
import { dataFrom, remoteFor, type Remote } from './session-harness';

/** The index nodes and the blocks below `root` in `store`. */
function objectsBelow(store: MemoryObjectStore, root: Address) {
  const nodes = new Set<string>();
  const blocks: Address[] = [];
  const visit = (address: Address): void => {
    nodes.add(toHex(address));
    const links = nodeLinks(store.objects.get(toHex(address))!);
    blocks.push(...links.blocks);
    links.children.forEach(visit);
  };
  visit(root);
  return { nodes, blocks };
}

/** A replica that records its `tree` and `head` events in order. */
function sinkFor(cap: WriteCapability, store = new MemoryObjectStore()) {
  const events: string[] = [];
  const replica = new Replica(cap, store, {
    tree: (h) => events.push(`tree ${h.head.seq}`),
    head: (h) => events.push(`head ${h.head.seq}`),
  });
  const peer: Peer = { replica, store, heads: [], warnings: [] };
  return { replica, store, events, peer };
}

/** Sends every object the remote was asked for that `pick` accepts, once. */
function serve(
  remote: Remote,
  source: MemoryObjectStore,
  served: Set<string>,
  pick = (_: string) => true,
): void {
  for (const address of remote.wanted()) {
    const hex = toHex(address);
    if (served.has(hex) || !pick(hex)) continue;
    served.add(hex);
    remote.send(dataFrom(source, address));
  }
}

/** A sink sent a head and its index nodes only (until `tree` is told), by a scripted remote. */
async function indexOnly() {
  const cap = createShare();
  const source = new MemoryObjectStore();
  const { head, root } = await writeVersion(cap, source, sampleFiles('a'));
  const { nodes, blocks } = objectsBelow(source, root);
  const sink = sinkFor(cap);
  const remote = await remoteFor(sink.peer);
  await remote.announce(head);
  const served = new Set<string>();
  await until(() => {
    serve(remote, source, served, (hex) => nodes.has(hex));
    return sink.events.length > 0;
  });
  return { head, blocks, sink, remote, source, served };
}

describe('replica: a head whose tree is stored before its blocks', () => {
  it('tells `tree` once all its nodes are stored, then `head` once its blocks are', async () => {
    const { head, blocks, sink, remote, source, served } = await indexOnly();
    expect(sink.events).toEqual(['tree 1']);
    expect(blocks.every((b) => sink.replica.isWanted(b))).toBe(true);
    expect(sink.replica.isReceiving(head.id)).toBe(true);

    const first = blocks[0]!;
    const arrival = sink.replica.stored(first);
    expect(sink.replica.stored(first)).toBe(arrival); // one waiter list per object
    remote.send(dataFrom(source, first));
    await arrival;
    expect(await sink.store.has(first)).toBe(true);
    expect(sink.replica.isWanted(first)).toBe(false);

    served.add(toHex(first));
    await until(() => {
      serve(remote, source, served);
      return sink.events.length > 1;
    });
    expect(sink.events).toEqual(['tree 1', 'head 1']); // `tree` was not told again
    expect(sink.replica.isReceiving(head.id)).toBe(false);
  });

  it('does not tell `tree` for a head whose objects were all stored already', async () => {
    const cap = createShare();
    const store = new MemoryObjectStore();
    const { head } = await writeVersion(cap, store, sampleFiles('a'));
    const sink = sinkFor(cap, store);
    sink.replica.receiveHeads([encodeSignedHead(head)]);
    await until(() => sink.events.length > 0);
    expect(sink.events).toEqual(['head 1']);
  });

  it('ends a wait on a block of a refused head once its fetch ends: nobody asks for it again', async () => {
    const { head, blocks, sink, remote } = await indexOnly();
    expect(sink.events).toEqual(['tree 1']);
    const arrival = sink.replica.stored(blocks[0]!);
    sink.replica.refuse(head.id);
    expect(sink.replica.isWanted(blocks[0]!)).toBe(true); // still asked of the remote
    remote.session.close('test'); // the fetch ends: nobody will ask for it again
    await arrival;
    expect(sink.replica.isWanted(blocks[0]!)).toBe(false);
    expect(sink.replica.isReceiving(head.id)).toBe(false);
    expect(await sink.store.has(blocks[0]!)).toBe(false);
  });
});
