/** Shown when a new service worker (a new version of the app) waits to take over. */
export function UpdateBanner({ onUpdate }: { onUpdate: () => void }) {
  return (
    <div class="notice notice-info update-banner" role="status">
      <p class="notice-title">A new version of Peerfold is ready.</p>
      <button type="button" class="primary" onClick={onUpdate}>
        Reload to update
      </button>
    </div>
  );
}
