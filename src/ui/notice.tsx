export interface NoticeValue {
  kind: 'error' | 'info';
  title: string;
  text: string;
}

/** A message above the screen: errors are alerts, the rest polite status updates. */
export function Notice({ notice, onDismiss }: { notice: NoticeValue; onDismiss: () => void }) {
  return (
    <div class={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
      <p class="notice-title">{notice.title}</p>
      <p>{notice.text}</p>
      <button type="button" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
