// Which folder each share runs on, told to the engine: a Store copy needs none; where the
// browser has no folder picker the files live in its private storage; otherwise the picked
// folder (with whether this page holds permission for it), or none chosen yet.
import type { ShareBook, ShareRecord } from './share-book';
import type { AppServices } from './services';

export async function openInEngine(
  services: Pick<AppServices, 'engine' | 'folders'>,
  book: ShareBook,
  share: ShareRecord,
  replaced = false,
): Promise<void> {
  const { engine, folders } = services;
  const open = engine.open.bind(engine, share.id, share.capability);
  if (share.role === 'store') return open({ kind: 'none' }, true);
  if (!folders.canPick) return open({ kind: 'private' }, true);
  const handle = await book.folder(share.id);
  if (!handle) return open({ kind: 'none' }, true);
  const permitted = (await folders.permission(handle)) === 'granted';
  open({ kind: 'picked', handle }, permitted, replaced);
}
