/**
 * The browser ends of the WebRTC references (references-rtc.ts): pages on the app's origin
 * (chromium.ts's BENCH_PAGE), so a sender reads the same OPFS folder the app shares, and a
 * receiver, in a fresh browser process, writes into an empty one. A receiver's tree is checked
 * against the sender's (e2e's opfsTree shape) once it is done.
 */
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright';
import { BENCH_PAGE, PageEvents, type BenchBrowser } from './chromium';
import { assertOpfsTree } from './opfs';
import type { RawReceiver, RawSender, TorrentFetcher, TorrentSeeder } from './references-rtc';
import { rawAccept, rawAnswer, rawOffer } from './rtc-page';
import { torrentTree, webTorrentFetch, webTorrentSeed } from './webtorrent-page';

const RECEIVED = 'Received';

/**
 * A page of `browser` answering and sending its OPFS folder `folder` (the case checks the
 * browser's errors after the transfer).
 */
export function pageRawSender(browser: BenchBrowser, folder: string): RawSender {
  let page: Page | undefined;
  return {
    answer: async (offer) => {
      page = await browser.page(BENCH_PAGE);
      return rawAnswer(page, offer, folder);
    },
    stop: async () => void (await page?.close()),
  };
}

/**
 * A page of the fresh browser `browser` offering and receiving into an empty OPFS folder; `want`
 * is the sender's tree. `startedAt` is stamped when the page is opened.
 */
export async function pageRawReceiver(
  browser: BenchBrowser,
  want: Record<string, string>,
): Promise<RawReceiver> {
  const startedAt = performance.now();
  const page = await browser.page(BENCH_PAGE);
  const events = await PageEvents.on(page);
  return {
    startedAt,
    events,
    offer: () => rawOffer(page, RECEIVED),
    accept: (answer) => rawAccept(page, answer),
    verify: async () => {
      browser.assertNoErrors();
      await assertOpfsTree(page, RECEIVED, want, 'raw data channel in Chromium');
    },
    stop: () => browser.close(),
  };
}

/** A page of `browser` seeding its OPFS folder `folder`. */
export function pageTorrentSeeder(
  browser: BenchBrowser,
  folder: string,
  tracker: string,
): TorrentSeeder {
  let page: Page | undefined;
  return {
    seed: async () => {
      page = await browser.page(BENCH_PAGE);
      return webTorrentSeed(page, folder, 'bench', tracker);
    },
    stop: async () => void (await page?.close()),
  };
}

/** A page of the fresh browser `browser` downloading; `want` is the seeder's tree. */
export async function pageTorrentFetcher(
  browser: BenchBrowser,
  want: Record<string, string>,
): Promise<TorrentFetcher> {
  const page = await browser.page(BENCH_PAGE);
  const events = await PageEvents.on(page);
  let startedAt = Number.NaN;
  const files = Object.fromEntries(Object.entries(want).filter(([, v]) => v !== 'dir'));
  return {
    get startedAt() {
      return startedAt;
    },
    events,
    fetch: async (magnet) => {
      startedAt = performance.now();
      await webTorrentFetch(page, magnet);
    },
    verify: async () => {
      browser.assertNoErrors();
      const got = await torrentTree(page);
      if (JSON.stringify(got) !== JSON.stringify(files)) {
        throw new Error('WebTorrent in Chromium: the downloaded files differ from the sender’s');
      }
    },
    stop: () => browser.close(),
  };
}
