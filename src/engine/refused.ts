/**
 * Refused heads: a validly signed head (so from a Write holder) whose tree cannot be read, e.g.
 * an index node naming `../x` or a node that does not open with the read key. Merging it would
 * fail on every pass and wedge the share, so it is refused for good: dropped from the replica's
 * frontier, never fetched or merged again, remembered as `refused/<id hex>` in the state store
 * (its stored copy under `heads/` removed), and reported as a warning.
 */
import { fromHex, toHex } from '../core/bytes';
import type { StateStore } from '../core/drive';
import { isPeerfoldError, PeerfoldError, type ErrorCode } from '../core/errors';
import type { SignedHead } from '../core/head';
import type { Address } from '../core/objects';
import type { Replica } from '../core/replica';
import { iterate, type TreeContext } from '../core/tree';

const REFUSED = 'refused/';
const HEADS = 'heads/';

/** Decoding failures that make a tree unusable (not `missing` or `bad-address`: fetched again). */
const UNREADABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'malformed',
  'decrypt-failed',
  'too-large',
  'bad-path',
]);

/** Whether `e` is a failure to read a tree that no retry can fix. */
export function isUnreadableTree(e: unknown): e is PeerfoldError {
  return isPeerfoldError(e) && UNREADABLE.has(e.code);
}

/** Why the tree at `root` cannot be read in full, or undefined if it can. */
export async function treeDefect(
  ctx: TreeContext,
  root: Address,
): Promise<PeerfoldError | undefined> {
  try {
    for await (const entry of iterate(ctx, root)) void entry;
    return undefined;
  } catch (e) {
    if (isUnreadableTree(e)) return e;
    throw e;
  }
}

/** Marks the heads refused in earlier runs as refused in `replica`; call before loading heads. */
export async function loadRefused(state: StateStore, replica: Replica): Promise<void> {
  for (const key of await state.keys(REFUSED)) replica.refuse(fromHex(key.slice(REFUSED.length)));
}

/** Refuses `signed` in `replica` and for later runs; returns the warning to report. */
export async function refuseHead(
  state: StateStore,
  replica: Replica,
  signed: SignedHead,
  why: PeerfoldError,
): Promise<PeerfoldError> {
  const id = toHex(signed.id);
  await state.put(`${REFUSED}${id}`, new Uint8Array(0));
  await state.delete(`${HEADS}${id}`);
  replica.refuse(signed.id);
  const { device, seq } = signed.head;
  return new PeerfoldError(
    why.code,
    `refused version ${id.slice(0, 12)} (device ${device}, seq ${seq}): its index cannot be read (${why.message}); nothing of it was applied`,
    false,
  );
}
