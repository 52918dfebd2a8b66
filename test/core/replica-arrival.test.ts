/**
 * What a replica tells the engine so it can write files while their blocks arrive: the moment
 * a received head's tree is stored (`treeStored`), and each needed block as it arrives
 * (`whenArrived`), or that it never will.
 */
import { describe, expect, it } from 'vitest';
import { bytesEqual, toHex } from '../../src/core/bytes';
import { createShare, toStore } from '../../src/core/capability';
import { encodeSignedHead, type SignedHead } from '../../src/core/head';
import type { Address } from '../../src/core/objects';
import { Replica } from '../../src/core/replica';
import { nodeLinks } from '../../src/core/tree-node';
import { MemoryObjectStore } from '../../src/storage/memory-object-store';
import { until } from '../helpers/pipe';
import { sampleFiles, writeVersion } from '../helpers/share-fixture';

async function receiving() {
  const cap = createShare();
  const source = new MemoryObjectStore();
  const { head } = await writeVersion(cap, source, sampleFiles('a'));
  const trees: SignedHead[] = [];
  const sink = new Replica(toStore(cap), new MemoryObjectStore(), {
    treeStored: (h) => trees.push(h),
  });
  sink.receiveHeads([encodeSignedHead(head)]);
  const bytesOf = (a: Address): Uint8Array => source.objects.get(toHex(a))!;
  /** Delivers every node the walk asks for (breadth first); returns the blocks it found. */
  const deliverNodes = async (): Promise<Address[]> => {
    const blocks: Address[] = [];
    const queue = [head.head.root];
    while (queue.length > 0) {
      const node = queue.shift()!;
      await until(() => sink.pending > 0); // the walk has asked for it
      await sink.receiveObject(node, bytesOf(node));
      const links = nodeLinks(bytesOf(node));
      queue.push(...links.children);
      blocks.push(...links.blocks);
    }
    return blocks;
  };
  return { head, sink, trees, bytesOf, deliverNodes };
}

describe('Replica, blocks for files written while they arrive', () => {
  it('reports the stored tree once, then hands each block over as it arrives', async () => {
    const { head, sink, trees, bytesOf, deliverNodes } = await receiving();
    const blocks = await deliverNodes();
    await until(() => trees.length === 1);
    expect(toHex(trees[0]!.id)).toBe(toHex(head.id));
    expect(sink.pending).toBe(blocks.length); // only blocks are left

    const first = blocks[0]!;
    const arrival = sink.whenArrived(first);
    await sink.receiveObject(first, bytesOf(first));
    expect(bytesEqual((await arrival)!, bytesOf(first))).toBe(true);
    // Stored now, no longer fetched: a late waiter hears at once, and must look in the store.
    expect(await sink.whenArrived(first)).toBeUndefined();
    expect(await sink.store.has(first)).toBe(true);

    for (const b of blocks.slice(1)) await sink.receiveObject(b, bytesOf(b));
    await until(() => sink.graph.has(head.id));
    expect(trees).toHaveLength(1);
  });

  it('ends a wait with nothing when the head is refused, or when the waiter stops', async () => {
    const { head, sink, trees, deliverNodes } = await receiving();
    const blocks = await deliverNodes();
    await until(() => trees.length === 1);
    const stop = new AbortController();
    const stopped = sink.whenArrived(blocks[0]!, stop.signal);
    const dropped = sink.whenArrived(blocks[1]!);
    stop.abort();
    expect(await stopped).toBeUndefined();
    sink.refuse(head.id);
    expect(await dropped).toBeUndefined();
    expect(sink.pending).toBe(0);
  });
});
