import { blockKeys, encryptBlock } from '../../src/core/blocks';
import type { WriteCapability } from '../../src/core/capability';
import { utf8 } from '../../src/core/bytes';
import type { BlockRef, Entry } from '../../src/core/entry';
import { signHead, type SignedHead } from '../../src/core/head';
import type { Address } from '../../src/core/objects';
import { buildTree, treeKeys } from '../../src/core/tree';
import type { MemoryObjectStore } from './memory-store';
import { bytesFor } from './data';

export const DEVICE_A = '00000000000000aa';
export const DEVICE_B = '00000000000000bb';

export interface FixtureFile {
  path: string;
  /** The file's content as plaintext blocks (kept small so tests stay fast). */
  blocks: Uint8Array[];
}

/** Writes the files' blocks and index into `store` and signs a head over the tree. */
export async function writeVersion(
  cap: WriteCapability,
  store: MemoryObjectStore,
  files: FixtureFile[],
  device = DEVICE_A,
  parents: SignedHead[] = [],
): Promise<{ head: SignedHead; root: Address }> {
  const keys = blockKeys(cap.readKey);
  const entries: Entry[] = [];
  for (const file of files) {
    const refs: BlockRef[] = [];
    for (const plain of file.blocks) {
      const block = encryptBlock(keys, plain);
      await store.put(block.address, block.bytes);
      refs.push({ address: block.address, size: plain.length });
    }
    entries.push({
      path: file.path,
      kind: 'file',
      size: file.blocks.reduce((n, b) => n + b.length, 0),
      mtime: 1_700_000_000_000,
      executable: false,
      blocks: refs,
      version: { [device]: 1 },
      device,
      deleted: false,
    });
  }
  const root = await buildTree({ store, keys: treeKeys(cap.readKey) }, entries);
  const seq = Math.max(0, ...parents.map((p) => p.head.seq)) + 1;
  const head = signHead(cap, {
    seq,
    parents: parents.map((p) => p.id),
    root,
    time: 1_700_000_000_000 + seq,
    device,
  });
  return { head, root };
}

/** A few files, one large enough to be stored in extents (over 128 blocks). */
export function sampleFiles(label: string): FixtureFile[] {
  return [
    { path: `${label}/hello.txt`, blocks: [utf8(`hello from ${label}`)] },
    { path: `${label}/empty`, blocks: [] },
    {
      path: `${label}/big.bin`,
      blocks: Array.from({ length: 300 }, (_, i) => bytesFor(`${label}-${i}`, 1024 + i)),
    },
  ];
}
