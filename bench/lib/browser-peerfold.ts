/**
 * Peerfold in Chromium as a person uses it, through e2e's helpers: the built app served by the
 * real signaling server, a share made on the page (createShare), an origin-private folder handed
 * over through the folder picker's code path (pickerGivesOpfsFolder), a link opened in another
 * browser process. The harness reads only what the page shows: the status line, the peers line
 * ("1 peer connected.", whatever the status line says meanwhile) and the counts.
 *
 * A receiver is done at the first moment its status line reads "Up to date · 1 peer connected"
 * while its folder holds every file at its full size (seen from inside the page: app-watch.ts);
 * the byte-for-byte check (SHA-256 of every file) follows and fails the case on a difference.
 */
import { performance } from 'node:perf_hooks';
import type { Locator, Page } from 'playwright';
import { createShare, pickerGivesOpfsFolder, statusLine } from '../../e2e/sync-fixtures';
import type { BenchBrowser } from './chromium';
import { watchReceiver } from './app-watch';
import { assertOpfsTree, sizesOf } from './opfs';

/** The harness reads the receiver's status line this often (to log it, to see a stall). */
const WATCH_MS = 1000;
/** A receiver with no peer this long after opening the link fails the case. */
const CONNECT_MS = 90_000;
/** A page whose status line (progress included) stays the same this long is stuck. */
const STALL_MS = 300_000;

/** Status lines go to the progress log this often during a long wait. */
const LOG_EVERY_MS = 30_000;

/**
 * Called with the status line at every poll: logs it every LOG_EVERY_MS, and throws when it has
 * not changed for STALL_MS.
 */
function statusWatch(who: string, log?: (m: string) => void): (text: string) => void {
  let last = '';
  let since = performance.now();
  let logged = since;
  return (text) => {
    const now = performance.now();
    if (now - logged > LOG_EVERY_MS) {
      logged = now;
      log?.(`  ${who}: ${text}`);
    }
    if (text !== last) [last, since] = [text, now];
    else if (now - since > STALL_MS) {
      throw new Error(`${who}: no progress for ${STALL_MS / 1000} s: ${text}`);
    }
  };
}
const DONE = 'Up to date · 1 peer connected';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** An element's text now, '' while it is not there (never waits for it). */
const textOf = async (l: Locator): Promise<string> => (await l.allTextContents())[0] ?? '';

export interface Links {
  readonly write: string;
  readonly read: string;
  readonly store: string;
}

export interface AppOptions {
  /** Called with the app's page as soon as it exists (e.g. to sample its memory). */
  readonly onPage?: (page: Page) => Promise<void>;
  /** A receiver's: called once it is done, before its folder is read back to be checked. */
  readonly onDone?: () => Promise<void>;
  readonly timeoutMs?: number;
  /** Progress lines (the status line every 30 s). */
  readonly log?: (message: string) => void;
}

/**
 * A share made on a new page of `browser` over the OPFS folder `folder` (already holding the
 * data): returns once its first scan is published (status up to date, counts showing `files`).
 */
export async function appSender(
  browser: BenchBrowser,
  folder: string,
  files: number,
  { onPage, log, timeoutMs = 1_800_000 }: AppOptions = {},
): Promise<{ page: Page; links: Links; scanMs: number }> {
  const page = await browser.page();
  await onPage?.(page);
  await pickerGivesOpfsFolder(page, folder);
  const links = await createShare(page, 'Bench');
  const started = performance.now();
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  const counted = new RegExp(`^${files} files?\\b`);
  const watch = statusWatch('browser sender', log);
  for (const deadline = started + timeoutMs; ; await sleep(250)) {
    const [status, counts] = await Promise.all([
      textOf(statusLine(page)),
      textOf(page.locator('.counts')),
    ]);
    if (status.startsWith('Up to date') && counted.test(counts)) {
      return { page, links, scanMs: performance.now() - started };
    }
    browser.assertNoErrors();
    watch(status);
    if (performance.now() > deadline) {
      throw new Error(`browser sender: not scanned in ${timeoutMs} ms: ${status} / ${counts}`);
    }
  }
}

export interface AppReceive {
  readonly page: Page;
  /** performance.now() before the link was opened. */
  readonly startedAt: number;
  /** performance.now() when the peers line first counted a connected peer. */
  readonly connectedAt: number;
  readonly doneAt: number;
}

/**
 * Opens `link` on a new page of `browser` (a fresh browser process), gives it the empty OPFS
 * folder `folder`, and waits until it holds `want` (e2e's opfsTree of the sender's folder). The
 * moments of the first peer and of done come from inside the page (app-watch.ts); the harness
 * only reads the status line every WATCH_MS to log it and to notice a stall.
 */
export async function appReceive(
  browser: BenchBrowser,
  link: string,
  folder: string,
  want: Record<string, string>,
  { onPage, onDone, log, timeoutMs = 1_800_000 }: AppOptions = {},
): Promise<AppReceive> {
  const page = await browser.page();
  await onPage?.(page);
  await pickerGivesOpfsFolder(page, folder);
  const events = await watchReceiver(page, { folder, want: sizesOf(want), done: DONE });
  const startedAt = performance.now();
  await page.goto(link);
  await page.getByText('Share added.').waitFor();
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  const watch = statusWatch('browser receiver', log);
  const at = (event: string) => events.events.find((e) => e.data.event === event)?.at;
  for (const deadline = startedAt + timeoutMs; ; await sleep(WATCH_MS)) {
    const doneAt = at('done');
    if (doneAt !== undefined) {
      await onDone?.();
      await assertOpfsTree(page, folder, want, 'Peerfold in Chromium');
      return { page, startedAt, connectedAt: at('connected') ?? doneAt, doneAt };
    }
    const status = await textOf(statusLine(page));
    browser.assertNoErrors();
    watch(status);
    const now = performance.now();
    if (at('connected') === undefined && now > startedAt + CONNECT_MS) {
      throw new Error(`browser receiver: no peer within ${CONNECT_MS} ms: ${status}`);
    }
    if (now > deadline) throw new Error(`browser receiver: not done in ${timeoutMs} ms: ${status}`);
  }
}
