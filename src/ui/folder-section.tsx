import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { openInEngine } from './engine-shares';
import type { ShareBook, ShareRecord } from './share-book';
import type { AppServices, FolderHandle, FolderPermission } from './services';

interface Props {
  share: ShareRecord;
  book: ShareBook;
  services: Pick<AppServices, 'folders' | 'engine'>;
  /** The engine found the folder's permission gone (the page's own answer may lag). */
  needsPermission: boolean;
  onFolderName: (name: string | undefined) => void;
}

interface Chosen {
  handle: FolderHandle;
  permission: FolderPermission;
}

/**
 * Which folder the share syncs into; the handle is kept in IndexedDB across reloads. A new
 * folder, and permission granted again, go to the engine at once.
 */
export function FolderSection({ share, book, services, needsPermission, onFolderName }: Props) {
  const { folders, engine } = services;
  const [chosen, setChosen] = useState<Chosen | null | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    const load = async () => {
      const handle = await book.folder(share.id);
      const permission = handle ? await folders.permission(handle) : 'denied';
      if (live) setChosen(handle ? { handle, permission } : null);
      if (live) onFolderName(handle?.name);
    };
    load().catch(() => live && setChosen(null));
    return () => {
      live = false;
    };
  }, [share.id, book, folders, onFolderName]);

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
          This browser cannot open a folder on your disk. The share&apos;s files live in this
          browser&apos;s private storage instead: add them and download them under Files.
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
    onFolderName(handle.name);
    await openInEngine(services, book, share, chosen !== null);
  };
  const regrant = async () => {
    if (!chosen) return;
    const permission = await folders.requestPermission(chosen.handle);
    setChosen({ handle: chosen.handle, permission });
    if (permission === 'granted') engine.permission(share.id, true);
  };
  const lapsed = chosen !== null && (chosen.permission !== 'granted' || needsPermission);
  const run = (action: () => Promise<void>) => () => {
    action().catch(() => setProblem('The folder could not be opened. Try choosing it again.'));
  };

  return (
    <Frame>
      {chosen ? (
        <p>
          Chosen folder: <strong class="folder-name">{chosen.handle.name}</strong>
          {lapsed && (
            <span class="warning"> — Peerfold needs your permission again to use this folder.</span>
          )}
        </p>
      ) : (
        <p>No folder chosen yet. Choose the folder this share keeps in sync.</p>
      )}
      <div class="actions">
        {chosen && lapsed && (
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
