import { useState } from 'preact/hooks';
import { QrCode } from './qr-code';
import { LINK_MEANING, ROLE_LABEL } from './role-text';
import type { Clipboard, Role } from './services';

interface Props {
  role: Role;
  link: string;
  clipboard: Clipboard;
}

/** One capability link: what it gives away, the link itself, a copy button and a QR code. */
export function LinkCard({ role, link, clipboard }: Props) {
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>();
  const [showQr, setShowQr] = useState(false);
  const name = `${ROLE_LABEL[role]} link`;
  const fieldId = `link-${role}`;

  const copy = () => {
    clipboard.copy(link).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };

  return (
    <section class={`link-card link-${role}`} aria-labelledby={`${fieldId}-title`}>
      <h3 id={`${fieldId}-title`}>{name}</h3>
      <p class="hint">{LINK_MEANING[role]}</p>
      <label class="visually-hidden" for={fieldId}>
        {name}
      </label>
      <textarea
        id={fieldId}
        class="link-text"
        readOnly
        rows={2}
        value={link}
        spellcheck={false}
        autocomplete="off"
        onFocus={(e) => e.currentTarget.select()}
      />
      <div class="actions">
        <button type="button" onClick={copy}>
          Copy {name.toLowerCase()}
        </button>
        <button type="button" aria-expanded={showQr} onClick={() => setShowQr(!showQr)}>
          {showQr ? 'Hide QR code' : 'Show QR code'}
        </button>
        <span class="copy-status" role="status">
          {copied === 'yes'
            ? 'Copied.'
            : copied === 'failed'
              ? 'Could not copy: select the link and copy it by hand.'
              : ''}
        </span>
      </div>
      {showQr && <QrCode text={link} label={`QR code of the ${name.toLowerCase()}`} />}
    </section>
  );
}
