import { useState } from 'preact/hooks';
import { ROLE_LABEL } from './role-text';
import { ScreenTitle } from './screen-title';
import type { ShareRecord } from './share-book';

interface Props {
  shares: ShareRecord[];
  persisted: boolean | undefined;
  onOpenShare: (id: string) => void;
  onCreate: () => void;
  onOpenLink: (text: string) => void;
}

/** The home screen: the shares this browser holds, create one, or open a link. */
export function SharesList({ shares, persisted, onOpenShare, onCreate, onOpenLink }: Props) {
  const [linkText, setLinkText] = useState('');
  return (
    <>
      <ScreenTitle>Your shares</ScreenTitle>
      {shares.length === 0 ? (
        <p class="empty">
          No shares yet. Create one to sync a folder, or open a link someone sent you.
        </p>
      ) : (
        <ul class="share-list" aria-label="Shares in this browser">
          {shares.map((share) => (
            <li key={share.id}>
              <button type="button" class="share-row" onClick={() => onOpenShare(share.id)}>
                <span class="share-name">{share.name}</span>
                <span class={`badge badge-${share.role}`}>{ROLE_LABEL[share.role]}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="actions">
        <button type="button" class="primary" onClick={onCreate}>
          Create a share
        </button>
      </div>
      <form
        class="panel open-link"
        onSubmit={(e) => {
          e.preventDefault();
          if (linkText.trim() !== '') onOpenLink(linkText);
          setLinkText('');
        }}
      >
        <h2>
          <label for="open-link-input">Open a link you were given</label>
        </h2>
        <p class="hint">
          Paste a Peerfold link or capability (it starts with pfwrite, pfread or pfstore).
        </p>
        <div class="inline-form">
          <input
            id="open-link-input"
            type="text"
            value={linkText}
            autocomplete="off"
            spellcheck={false}
            onInput={(e) => setLinkText(e.currentTarget.value)}
          />
          <button type="submit">Open</button>
        </div>
      </form>
      {persisted === false && shares.length > 0 && (
        <p class="hint">
          This browser may clear its stored data when space runs low. Keep a copy of your links
          somewhere safe.
        </p>
      )}
    </>
  );
}
