import { FolderSection } from './folder-section';
import { LeaveShare } from './leave-share';
import { LinkCard } from './link-card';
import { ROLE_LABEL, ROLE_MEANING } from './role-text';
import type { ShareBook, ShareRecord } from './share-book';
import type { AppServices, Role } from './services';
import { ScreenTitle } from './screen-title';

interface Props {
  share: ShareRecord;
  book: ShareBook;
  services: AppServices;
  onLeave: () => void;
}

const ROLES: Role[] = ['write', 'read', 'store'];

/** One share: the role in words, its folder, the links this role can hand out, and leave. */
export function SharePage({ share, book, services, onLeave }: Props) {
  const links = services.capabilities.links(share.capability, services.origin);
  return (
    <>
      <ScreenTitle>{share.name}</ScreenTitle>
      <p class="role">
        Your role: <strong>{ROLE_LABEL[share.role]}</strong>. {ROLE_MEANING[share.role]}
      </p>
      <p class="hint">
        Syncing is not part of this version yet: this page keeps the share&apos;s links and folder
        ready for it.
      </p>
      <FolderSection share={share} book={book} folders={services.folders} />
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
        <LeaveShare name={share.name} isWriter={share.role === 'write'} onLeave={onLeave} />
      </section>
    </>
  );
}
