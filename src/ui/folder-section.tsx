import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ShareBook, ShareRecord } from './share-book';
import type { FolderAccess, FolderHandle, FolderPermission } from './services';

interface Props {
  share: ShareRecord;
  book: ShareBook;
  folders: FolderAccess;
}

interface Chosen {
  handle: FolderHandle;
  permission: FolderPermission;
}

/** Which folder the share syncs into; the handle is kept in IndexedDB across reloads. */
export function FolderSection({ share, book, folders }: Props) {
  const [chosen, setChosen] = useState<Chosen | null | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    const load = async () => {
      const handle = await book.folder(share.id);
      const permission = handle ? await folders.permission(handle) : 'denied';
      if (live) setChosen(handle ? { handle, permission } : null);
    };
    load().catch(() => live && setChosen(null));
    return () => {
      live = false;
    };
  }, [share.id, book, folders]);

  if (share.role === 'store') {
    return (
      <Frame>
        <p>A Store copy needs no folder: it keeps only encrypted data, inside this browser.</p>
      </Frame>
    );
  }
  if (!folders.canPick) {
    return (
      <Frame>
        <p>
          This browser cannot open a folder on your disk. The share&apos;s files will live in this
          browser&apos;s private storage instead.
        </p>
      </Frame>
    );
  }
  if (chosen === undefined) return <Frame>{null}</Frame>;

  const pick = async () => {
    setProblem(undefined);
    const handle = await folders.pick();
    if (!handle) return;
    await book.setFolder(share.id, handle);
    setChosen({ handle, permission: await folders.permission(handle) });
  };
  const regrant = async () => {
    if (!chosen) return;
    const permission = await folders.requestPermission(chosen.handle);
    setChosen({ handle: chosen.handle, permission });
  };
  const run = (action: () => Promise<void>) => () => {
    action().catch(() => setProblem('The folder could not be opened. Try choosing it again.'));
  };

  return (
    <Frame>
      {chosen ? (
        <p>
          Chosen folder: <strong class="folder-name">{chosen.handle.name}</strong>
          {chosen.permission !== 'granted' && (
            <span class="warning"> — Peerfold needs your permission again to use this folder.</span>
          )}
        </p>
      ) : (
        <p>No folder chosen yet. Choose the folder this share keeps in sync.</p>
      )}
      <div class="actions">
        {chosen && chosen.permission !== 'granted' && (
          <button type="button" class="primary" onClick={run(regrant)}>
            Allow access to {chosen.handle.name}
          </button>
        )}
        <button type="button" class={chosen ? '' : 'primary'} onClick={run(pick)}>
          {chosen ? 'Choose another folder…' : 'Choose folder…'}
        </button>
      </div>
      {problem && (
        <p class="warning" role="alert">
          {problem}
        </p>
      )}
    </Frame>
  );
}

function Frame({ children }: { children: ComponentChildren }) {
  return (
    <section class="panel" aria-labelledby="folder-title">
      <h2 id="folder-title">Folder</h2>
      {children}
    </section>
  );
}
