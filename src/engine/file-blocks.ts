/**
 * A file's content from the object store, for the apply: its blocks opened in order with a few
 * read ahead, the check that all of them are stored before a file is started, and the content
 * comparisons the apply uses to skip or move files.
 */
import { openStoredBlock, type BlockKeys } from '../core/blocks';
import { toHex } from '../core/bytes';
import type { Entry } from '../core/entry';
import { PeerfoldError } from '../core/errors';
import type { Address } from '../core/objects';
import type { ObjectStore } from '../core/ports';

/** Blocks read and opened ahead of the one being written (memory: 256 KiB each at most). */
export const READ_AHEAD = 8;
/** Blocks whose presence is checked at once before a file is started. */
const HAS_BATCH = 64;

/** Whether two file entries hold the same bytes and executable bit. */
export function sameContent(a: Entry, b: Entry): boolean {
  return (
    a.size === b.size &&
    a.executable === b.executable &&
    a.blocks.length === b.blocks.length &&
    a.blocks.every((x, i) => toHex(x.address) === toHex(b.blocks[i]!.address))
  );
}

/** The key under which a file's content is recognised after a rename. */
export function contentKey(e: Entry): string {
  return `${e.executable ? 'x' : '-'}${e.blocks.map((b) => toHex(b.address)).join('')}`;
}

/** A stored block's bytes (already checked against its address), or undefined if there are none. */
export type BlockSource = (address: Address) => Promise<Uint8Array | undefined>;

/**
 * A file's plaintext, one block at a time, its address checked by the store and its size here.
 * The next READ_AHEAD blocks are read and opened while one is written, so the store's disk, the
 * decryption (this thread) and the folder's disk (the I/O threads) overlap.
 */
export async function* plaintext(
  keys: BlockKeys,
  get: BlockSource,
  e: Entry,
): AsyncGenerator<Uint8Array> {
  const opened = async (b: Entry['blocks'][number]): Promise<Uint8Array> => {
    const bytes = await get(b.address);
    if (!bytes) throw new PeerfoldError('missing', `${e.path}: block ${toHex(b.address)} gone`);
    const data = openStoredBlock(keys, bytes); // the store verified it
    if (data.length !== b.size) {
      throw new PeerfoldError(
        'malformed',
        `${e.path}: block of ${data.length} bytes, not ${b.size}`,
      );
    }
    return data;
  };
  const ahead: Promise<Uint8Array>[] = [];
  let next = 0;
  for (let i = 0; i < e.blocks.length; i++) {
    while (ahead.length < READ_AHEAD && next < e.blocks.length) {
      const block = opened(e.blocks[next++]!);
      block.catch(() => undefined); // awaited below; not unhandled if the write stops early
      ahead.push(block);
    }
    yield await ahead.shift()!;
  }
}

/** The first of `blocks` the store does not hold (hex), checking HAS_BATCH at a time. */
export async function firstMissing(
  store: ObjectStore,
  blocks: readonly { address: Address }[],
): Promise<string | undefined> {
  for (let i = 0; i < blocks.length; i += HAS_BATCH) {
    const batch = blocks.slice(i, i + HAS_BATCH);
    const held = await Promise.all(batch.map((b) => store.has(b.address)));
    const at = held.indexOf(false);
    if (at >= 0) return toHex(batch[at]!.address);
  }
  return undefined;
}
