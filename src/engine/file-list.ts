/**
 * The file list a share page shows, read from the local index (what the folder held at the
 * last scan or apply), each file marked 'recorded' when the newest signed version held here has
 * it exactly so, else 'local' (a Read peer's own edits, or an edit not signed yet). Conflict
 * copies (PROTOCOL.md 7.1) name the file they copy. Tombstones are not listed.
 */
import { toHex } from '../core/bytes';
import { conflictOrigin } from '../core/conflict';
import type { SignedHead } from '../core/head';
import type { Address } from '../core/objects';
import { diffTrees, iterate, type TreeContext } from '../core/tree';
import type { FileView, ShareCounts } from './api';

export interface FileListing {
  readonly files: FileView[];
  /** Entries past `limit`, counted but not listed. */
  readonly more: number;
  readonly counts: ShareCounts;
}

/** The newest of `frontier` (highest seq, then id), or undefined. */
export function newestHead(frontier: readonly SignedHead[]): SignedHead | undefined {
  let best: SignedHead | undefined;
  for (const h of frontier) {
    if (!best || h.head.seq > best.head.seq) best = h;
    else if (h.head.seq === best.head.seq && toHex(h.id) > toHex(best.id)) best = h;
  }
  return best;
}

export async function listFiles(
  ctx: TreeContext,
  local: Address,
  published: Address | undefined,
  limit: number,
): Promise<FileListing> {
  const unrecorded = new Set<string>();
  if (published && toHex(published) !== toHex(local)) {
    for await (const change of diffTrees(ctx, published, local)) {
      if (change.after) unrecorded.add(change.path);
    }
  }
  const files: FileView[] = [];
  const counts = { files: 0, folders: 0, bytes: 0, conflicts: 0 };
  let more = 0;
  for await (const e of iterate(ctx, local)) {
    if (e.deleted) continue;
    const conflictOf = e.kind === 'file' ? conflictOrigin(e.path) : undefined;
    if (e.kind === 'dir') counts.folders++;
    else {
      counts.files++;
      counts.bytes += e.size;
      if (conflictOf !== undefined) counts.conflicts++;
    }
    if (files.length >= limit) {
      more++;
      continue;
    }
    const recorded = published !== undefined && !unrecorded.has(e.path);
    files.push({
      path: e.path,
      kind: e.kind,
      size: e.size,
      mtime: e.mtime,
      state: recorded ? 'recorded' : 'local',
      ...(conflictOf !== undefined ? { conflictOf } : {}),
    });
  }
  return { files, more, counts };
}
