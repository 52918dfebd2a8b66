import { useState } from 'preact/hooks';
import { ScreenTitle } from './screen-title';

interface Props {
  onCreate: (name: string) => void;
  onCancel: () => void;
}

export const DEFAULT_SHARE_NAME = 'My shared folder';

/** Names a new share; the keys are made in this browser and never leave it unasked. */
export function CreateShare({ onCreate, onCancel }: Props) {
  const [name, setName] = useState(DEFAULT_SHARE_NAME);
  return (
    <>
      <ScreenTitle>Create a share</ScreenTitle>
      <p>
        A share is a folder kept in sync between your devices and the people you send a link to. Its
        keys are made here, in this browser; no server ever sees them.
      </p>
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault();
          onCreate(name.trim() === '' ? DEFAULT_SHARE_NAME : name.trim());
        }}
      >
        <label for="share-name">Name</label>
        <p class="hint" id="share-name-hint">
          Only shown on this device, to tell your shares apart.
        </p>
        <input
          id="share-name"
          type="text"
          value={name}
          maxLength={80}
          aria-describedby="share-name-hint"
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <div class="actions">
          <button type="submit" class="primary">
            Create share
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </>
  );
}
