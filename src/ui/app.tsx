import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { CreateShare } from './create-share';
import { openInEngine } from './engine-shares';
import { Notice } from './notice';
import type { NoticeValue } from './notice';
import { ROLE_LABEL } from './role-text';
import { ShareBook } from './share-book';
import type { ShareRecord } from './share-book';
import { SharePage } from './share-page';
import { SharesList } from './shares-list';
import type { AppServices } from './services';
import { UpdateBanner } from './update-banner';

export interface FragmentSource {
  listen(listener: (fragment: string) => void): () => void;
}

export interface UpdateSource {
  /** Calls back once a new version waits; returns the unsubscribe. */
  onWaiting(listener: () => void): () => void;
  /** Lets the waiting version take over; the page reloads when it does. */
  apply(): void;
}

interface Props {
  services: AppServices;
  fragments: FragmentSource;
  updates?: UpdateSource;
}

type Screen = { kind: 'list' } | { kind: 'create' } | { kind: 'share'; id: string };

const STORAGE_TROUBLE: NoticeValue = {
  kind: 'error',
  title: 'This browser would not save the share.',
  text: 'Its storage may be off (some private windows do that). Try a normal window.',
};

export function App({ services, fragments, updates }: Props) {
  const book = useMemo(() => new ShareBook(services.store), [services.store]);
  const [shares, setShares] = useState<ShareRecord[] | undefined>();
  const [screen, setScreen] = useState<Screen>({ kind: 'list' });
  const [notice, setNotice] = useState<NoticeValue | undefined>();
  const [persisted, setPersisted] = useState<boolean | undefined>();
  const [updateReady, setUpdateReady] = useState(false);
  // Book changes run one after another, so a link opened during start-up never races the load.
  const queue = useRef<Promise<void>>(Promise.resolve());

  const run = useCallback(
    (task: () => Promise<void>) => {
      queue.current = queue.current.then(task).catch(() => setNotice(STORAGE_TROUBLE));
    },
    [setNotice],
  );
  const persist = useCallback(() => {
    services.persistence.request().then(setPersisted, () => setPersisted(false));
  }, [services.persistence]);

  const openText = useCallback(
    (text: string) =>
      run(async () => {
        const check = services.capabilities.check(text);
        if (!check.ok) {
          setNotice(badLinkNotice(check.problem));
          setScreen({ kind: 'list' });
          return;
        }
        const cap = check.capability;
        const { outcome, share } = await book.add(cap, `Shared folder ${cap.shareId.slice(0, 6)}`);
        setShares(await book.list());
        if (outcome !== 'already-held') await openInEngine(services, book, share);
        setNotice(openedNotice(outcome, share));
        setScreen({ kind: 'share', id: share.id });
        persist();
      }),
    [run, book, services, persist],
  );

  useEffect(() => {
    run(async () => {
      const list = await book.list();
      setShares(list);
      if (list.length > 0) persist();
      for (const share of list) await openInEngine(services, book, share);
    });
    return fragments.listen(openText);
  }, [book, fragments, openText, run, persist, services]);

  useEffect(() => updates?.onWaiting(() => setUpdateReady(true)), [updates]);

  const create = (name: string) =>
    run(async () => {
      const { share } = await book.add(services.capabilities.create(), name);
      setShares(await book.list());
      await openInEngine(services, book, share);
      setNotice({
        kind: 'info',
        title: 'Share created.',
        text: 'Send the Read link to people who should receive the files. Keep the Write link to yourself.',
      });
      setScreen({ kind: 'share', id: share.id });
      persist();
    });
  const leave = (share: ShareRecord) =>
    run(async () => {
      const filesInBrowser = share.role !== 'store' && !services.folders.canPick;
      await services.engine.leave(share.id);
      await book.remove(share.id);
      setShares(await book.list());
      setNotice({
        kind: 'info',
        title: `You left “${share.name}”.`,
        text: filesInBrowser
          ? 'Its files and data in this browser were deleted.'
          : 'Its files were not touched; the data this browser kept for it was deleted.',
      });
      setScreen({ kind: 'list' });
    });
  const go = (next: Screen) => {
    setNotice(undefined);
    setScreen(next);
  };

  const current = screen.kind === 'share' ? shares?.find((s) => s.id === screen.id) : undefined;
  return (
    <>
      <header class="topbar">
        <button type="button" class="brand" onClick={() => go({ kind: 'list' })}>
          Peerfold
        </button>
        {screen.kind !== 'list' && (
          <button type="button" class="back" onClick={() => go({ kind: 'list' })}>
            ← All shares
          </button>
        )}
      </header>
      <main>
        {updateReady && updates && <UpdateBanner onUpdate={() => updates.apply()} />}
        {notice && <Notice notice={notice} onDismiss={() => setNotice(undefined)} />}
        {shares === undefined ? (
          <p role="status">Loading your shares…</p>
        ) : current ? (
          <SharePage
            key={current.id}
            share={current}
            book={book}
            services={services}
            onLeave={() => leave(current)}
          />
        ) : screen.kind === 'create' ? (
          <CreateShare onCreate={create} onCancel={() => go({ kind: 'list' })} />
        ) : (
          <SharesList
            shares={shares}
            persisted={persisted}
            onOpenShare={(id) => go({ kind: 'share', id })}
            onCreate={() => go({ kind: 'create' })}
            onOpenLink={openText}
          />
        )}
      </main>
    </>
  );
}

function badLinkNotice(problem: string): NoticeValue {
  // The core says "capability"; people see links.
  const said = problem.replace(/capability/g, 'link');
  return {
    kind: 'error',
    title: 'This link could not be opened.',
    text: `${said.charAt(0).toUpperCase()}${said.slice(1)}. Ask the person who sent it to send the whole link again, then open it or paste it below.`,
  };
}

function openedNotice(outcome: string, share: ShareRecord): NoticeValue {
  const role = ROLE_LABEL[share.role];
  if (outcome === 'already-held') {
    return {
      kind: 'info',
      title: 'You already have this share.',
      text: `You have ${role} access.`,
    };
  }
  if (outcome === 'upgraded') {
    return {
      kind: 'info',
      title: `You now have ${role} access.`,
      text: 'The share was already here.',
    };
  }
  return { kind: 'info', title: 'Share added.', text: `You have ${role} access.` };
}
