/**
 * Chromium for the browser rows: each "computer" is a browser process of its own (Debian's
 * chromium or Playwright's, with playwright.config.ts's launch options), its pages on the app's
 * origin (so the reference pages read the same origin-private folders as the app). Besides the
 * app, the origin answers /__bench/page (an empty page for the references) and
 * /__bench/webtorrent.js (webtorrent's browser build), answered by Playwright, never the server.
 * Every page's uncaught error or console error is kept; `assertNoErrors` fails the case on one.
 * Each browser has a profile on disk, as a user's does: Playwright's default (incognito) context
 * keeps origin storage in memory, where a 1 GiB folder and its objects do not fit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import config from '../../playwright.config';
import type { Event, Stamped } from './proc';

const WEBTORRENT_JS = fileURLToPath(
  new URL('../../node_modules/webtorrent/dist/webtorrent.min.js', import.meta.url),
);
export const BENCH_PAGE = '/__bench/page';
export const BENCH_WEBTORRENT = '/__bench/webtorrent.js';

/**
 * playwright.config.ts's arguments, with Local Network Access checks off as well: Chromium
 * refuses a page that Playwright answered (the /__bench/ pages: no address space of their own)
 * a WebSocket to the loopback tracker. One --disable-features switch: the last one given wins.
 */
function withBenchFeatures(args: readonly string[] = []): string[] {
  const flag = '--disable-features=';
  const features = args.filter((a) => a.startsWith(flag)).map((a) => a.slice(flag.length));
  features.push('LocalNetworkAccessChecks');
  return [...args.filter((a) => !a.startsWith(flag)), `${flag}${features.join(',')}`];
}

const openBrowsers = new Set<BenchBrowser>();

export class BenchBrowser {
  readonly errors: string[] = [];

  private constructor(
    readonly label: string,
    readonly browser: Browser,
    readonly context: BrowserContext,
    private readonly profile: string,
  ) {}

  static async launch(label: string, baseURL: string): Promise<BenchBrowser> {
    const options = config.use?.launchOptions ?? {};
    const profile = mkdtempSync(join(tmpdir(), 'peerfold-bench-profile-'));
    // The service worker would answer the /__bench/ pages with the app (and Playwright's routes
    // do not see what a service worker answers); the app runs without one.
    const context = await chromium.launchPersistentContext(profile, {
      ...options,
      args: withBenchFeatures(options.args),
      baseURL,
      serviceWorkers: 'block',
    });
    const browser = context.browser();
    if (!browser) throw new Error('Playwright gave no browser for a persistent context');
    const b = new BenchBrowser(label, browser, context, profile);
    openBrowsers.add(b);
    // Functions handed to page.evaluate are compiled by tsx, which names them with `__name()`.
    await context.addInitScript('globalThis.__name = (f) => f;');
    await context.route(`**${BENCH_PAGE}`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>bench</title>' }),
    );
    await context.route(`**${BENCH_WEBTORRENT}`, (route) =>
      route.fulfill({ contentType: 'text/javascript', body: readFileSync(WEBTORRENT_JS) }),
    );
    context.on('page', (page) => b.watch(page));
    return b;
  }

  /** A new page; `path` (e.g. BENCH_PAGE) is opened when given. */
  async page(path?: string): Promise<Page> {
    const page = await this.context.newPage();
    if (path) await page.goto(path);
    return page;
  }

  assertNoErrors(): void {
    if (this.errors.length) throw new Error(`${this.label}: ${this.errors.slice(0, 3).join('; ')}`);
  }

  async close(): Promise<void> {
    openBrowsers.delete(this);
    await this.context.close();
    rmSync(this.profile, { recursive: true, force: true });
  }

  private watch(page: Page): void {
    page.on('pageerror', (e) => this.errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') this.errors.push(`console: ${m.text()}`);
    });
    page.on('crash', () => this.errors.push('the page crashed'));
  }
}

/** Closes every browser still open (a failed case). */
export async function closeAllBrowsers(): Promise<void> {
  await Promise.all([...openBrowsers].map((b) => b.close().catch(() => undefined)));
}

/**
 * Events a page reports by calling `benchEvent({event, ...})`, stamped with the harness clock on
 * arrival (as Proc stamps a child's stdout lines).
 */
export class PageEvents {
  readonly events: Stamped[] = [];
  private wake: (() => void) | undefined;

  static async on(page: Page): Promise<PageEvents> {
    const log = new PageEvents();
    await page.exposeFunction('benchEvent', (data: Event) => {
      log.events.push({ at: performance.now(), data });
      log.wake?.();
    });
    return log;
  }

  /** The first event matching `test` (as Proc.waitFor); throws on timeout or an `error` event. */
  async waitFor(
    test: (e: Event) => boolean,
    what: string,
    { timeoutMs = 120_000 } = {},
  ): Promise<Stamped> {
    const deadline = performance.now() + timeoutMs;
    for (let i = 0; ;) {
      for (; i < this.events.length; i++) if (test(this.events[i]!.data)) return this.events[i]!;
      const failed = this.events.find((e) => e.data.event === 'error');
      if (failed) throw new Error(`page: ${String(failed.data.message)} (waiting for ${what})`);
      if (performance.now() > deadline) throw new Error(`page: no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250);
        this.wake = () => (clearTimeout(timer), resolve());
      });
    }
  }
}
