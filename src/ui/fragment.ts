// A capability arrives in the URL fragment (`https://host/#pfread1...`). It is taken out at
// once and the current history entry is rewritten without it (history.replaceState), so it
// stays in no address bar, no history entry, and no later request's URL.

type Listener = (fragment: string) => void;

/** Holds fragments taken before the UI listens, and hands each to the listener once. */
export class FragmentInbox {
  private pending: string[] = [];
  private listener: Listener | undefined;

  constructor(private readonly win: Window) {
    this.take();
    win.addEventListener('hashchange', () => this.take());
  }

  /** Delivers fragments already taken, then each new one; returns the unsubscribe. */
  listen(listener: Listener): () => void {
    this.listener = listener;
    const queued = this.pending;
    this.pending = [];
    for (const fragment of queued) listener(fragment);
    return () => {
      if (this.listener === listener) this.listener = undefined;
    };
  }

  private take(): void {
    const { location, history } = this.win;
    const hash = location.hash;
    if (!location.href.includes('#')) return;
    history.replaceState(history.state, '', location.pathname + location.search);
    if (hash === '' || hash === '#') return;
    if (this.listener) this.listener(hash);
    else this.pending.push(hash);
  }
}
