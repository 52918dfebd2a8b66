/**
 * Watches a Peerfold receiver from inside its page, as the raw references report from theirs:
 * a MutationObserver sees the peers line first count a peer (`connected`) and the status line
 * read `done` while the folder holds every file at its full size (`done`; re-checked every
 * 100 ms while the status line stays so), and reports each through PageEvents' binding the
 * moment it happens. Polling the page from Node instead (two DevTools round trips every
 * 100 ms) cost the browsers and the harness about a tenth of this 2-core machine, taken from
 * the transfer being measured, while the raw data channel it is compared with paid nothing.
 */
import type { Page } from 'playwright';
import { PageEvents } from './chromium';
import { folderSizesInPage } from './opfs';

interface WatchArgs {
  readonly folder: string;
  readonly want: Record<string, number>;
  readonly done: string;
}

/** Runs in the page (serialized into an init script, so on every document the page loads). */
function watchInPage(
  sizes: (folder: string) => Promise<Record<string, number>>,
  { folder, want, done }: WatchArgs,
): void {
  const report = (event: string): void =>
    (window as unknown as { benchEvent(e: { event: string }): void }).benchEvent({ event });
  const wanted = Object.entries(want);
  let connected = false;
  let finished = false;
  let checking = false;
  const check = async (): Promise<void> => {
    if (finished || checking) return;
    const text = (selector: string) => document.querySelector(selector)?.textContent ?? '';
    if (!connected && /\bpeers? connected/.test(text('.peers-line'))) {
      connected = true;
      report('connected');
    }
    if (text('[role="status"][aria-label="Sync status"]') !== done) return;
    checking = true;
    const got: Record<string, number> = await sizes(folder).catch(() => ({}));
    checking = false;
    if (Object.keys(got).length === wanted.length && wanted.every(([p, n]) => got[p] === n)) {
      finished = true;
      report('done');
    } else setTimeout(() => void check(), 100);
  };
  new MutationObserver(() => void check()).observe(document, {
    subtree: true,
    childList: true,
    characterData: true,
  });
}

/**
 * Installs the watcher on `page` before it loads the app: its events (`connected`, `done`) are
 * stamped with the harness's clock as they arrive.
 */
export async function watchReceiver(page: Page, args: WatchArgs): Promise<PageEvents> {
  const events = await PageEvents.on(page);
  await page.addInitScript(
    `(${watchInPage.toString()})(${folderSizesInPage.toString()}, ${JSON.stringify(args)})`,
  );
  return events;
}
