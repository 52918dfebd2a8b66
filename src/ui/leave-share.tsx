import { useEffect, useRef, useState } from 'preact/hooks';

/** Leave with a confirmation step; the confirm button takes the focus so Enter/Escape work. */
interface Props {
  name: string;
  /** A Write share left by its only holder can never be changed again: say so. */
  isWriter: boolean;
  /** The files live in this browser's private storage: leaving deletes them. */
  filesInBrowser: boolean;
  /** Another tab runs the share with its files open: leave there, or close it first. */
  openElsewhere: boolean;
  onLeave: () => void;
}

export function LeaveShare({ name, isWriter, filesInBrowser, openElsewhere, onLeave }: Props) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);

  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (wasAsking.current) openRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  if (openElsewhere) {
    return (
      <p class="hint">
        This share is open in another tab of this browser: leave it there, or close that tab first.
      </p>
    );
  }
  if (!asking) {
    return (
      <button type="button" class="danger-outline" ref={openRef} onClick={() => setAsking(true)}>
        Leave this share…
      </button>
    );
  }
  return (
    <div
      class="confirm"
      role="alertdialog"
      aria-labelledby="leave-title"
      aria-describedby="leave-text"
      onKeyDown={(e) => e.key === 'Escape' && setAsking(false)}
    >
      <h3 id="leave-title">Leave “{name}”?</h3>
      <p id="leave-text">
        This browser forgets the share and its links and deletes the encrypted data it kept for it.{' '}
        {filesInBrowser
          ? 'The files it kept in this browser are deleted too: download them first if you need them.'
          : 'Files already in your folder stay where they are.'}{' '}
        To come back, you need a link again.
      </p>
      {isWriter && (
        <p class="warning">
          If nobody else keeps the Write link, nobody can ever change this share again: copy it
          somewhere safe first.
        </p>
      )}
      <div class="actions">
        <button type="button" class="danger" ref={confirmRef} onClick={onLeave}>
          Leave share
        </button>
        <button type="button" onClick={() => setAsking(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}
