import { FilesPanel } from './files-panel';
import { FolderSection } from './folder-section';
import { LeaveShare } from './leave-share';
import { LinkCard } from './link-card';
import { ROLE_LABEL, ROLE_MEANING } from './role-text';
import type { ShareBook, ShareRecord } from './share-book';
import { ShareStatus } from './share-status';
import type { AppServices, Role } from './services';
import { ScreenTitle } from './screen-title';
import { useShareEngine } from './use-share-engine';
import { useState } from 'preact/hooks';

interface Props {
  share: ShareRecord;
  book: ShareBook;
  services: AppServices;
  onLeave: () => void;
}

const ROLES: Role[] = ['write', 'read', 'store'];

/** One share: role, status, folder, files, the links this role can hand out, and leave. */
export function SharePage({ share, book, services, onLeave }: Props) {
  const links = services.capabilities.links(share.capability, services.origin);
  const { status, listing } = useShareEngine(services.engine, share.id);
  const [folderName, setFolderName] = useState<string | undefined>();
  const isStore = share.role === 'store';
  const inBrowser = !isStore && !services.folders.canPick;
  const folderOpen =
    status !== undefined &&
    ['up-to-date', 'scanning', 'writing', 'receiving'].includes(status.phase) &&
    !isStore;
  return (
    <>
      <ScreenTitle>{share.name}</ScreenTitle>
      <p class="role">
        Your role: <strong>{ROLE_LABEL[share.role]}</strong>. {ROLE_MEANING[share.role]}
      </p>
      <ShareStatus
        status={status}
        folderName={folderName}
        onRescan={isStore ? undefined : () => services.engine.rescan(share.id)}
      />
      <FolderSection
        share={share}
        book={book}
        services={services}
        needsPermission={status?.phase === 'paused' && status.reason === 'no-permission'}
        onFolderName={setFolderName}
      />
      {!isStore && (
        <FilesPanel
          engine={services.engine}
          shareId={share.id}
          shareName={share.name}
          listing={listing}
          canUseFolder={folderOpen}
          folderOpening={status === undefined || status.phase === 'starting'}
          inBrowser={inBrowser}
        />
      )}
      <section class="panel" aria-labelledby="links-title">
        <h2 id="links-title">Links</h2>
        <p class="hint">
          A link works on its own: whoever has it gets that access, with no account. Send it the way
          you would send a key.
        </p>
        {ROLES.map((role) => {
          const link = links[role];
          return link ? (
            <LinkCard key={role} role={role} link={link} clipboard={services.clipboard} />
          ) : null;
        })}
      </section>
      <section class="panel" aria-labelledby="leave-section">
        <h2 id="leave-section">Leave</h2>
        <LeaveShare
          name={share.name}
          isWriter={share.role === 'write'}
          filesInBrowser={inBrowser}
          openElsewhere={status?.phase === 'paused' && status.reason === 'other-tab'}
          onLeave={onLeave}
        />
      </section>
    </>
  );
}
