// Shared test fixtures: every page's uncaught errors and console errors (CSP violations show up
// there) fail the test, every request any page or service worker made is recorded, and
// screenshots land in test-results/screenshots/ for a person to look at.
import { readFileSync } from 'node:fs';
import { test as base, expect } from '@playwright/test';
import type { BrowserContext, Page } from '@playwright/test';
import { capabilityLink, createShare as newShare, toRead, toStore } from '../src/core/capability';
import { initCrypto } from '../src/core/crypto';

export { expect };

export interface RecordedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

interface Fixtures {
  /** Errors thrown in or logged by any page of the test's contexts. */
  pageErrors: string[];
  /** Every request made by the test's pages and service workers. */
  requests: RecordedRequest[];
  /** A second, separate browser context (another person's browser), watched the same way. */
  otherContext: BrowserContext;
}

const pending = new Set<Promise<void>>();

function watch(context: BrowserContext, errors: string[], requests: RecordedRequest[]): void {
  const watchPage = (page: Page) => {
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
  };
  context.pages().forEach(watchPage);
  context.on('page', watchPage);
  context.on('request', (request) => {
    const record = (headers: Record<string, string>): void => {
      requests.push({ url: request.url(), headers, body: request.postData() ?? '' });
    };
    // All headers need the browser; once the context is gone, the ones known so far.
    const done = request.allHeaders().then(record, () => record(request.headers()));
    pending.add(done);
    void done.then(() => pending.delete(done));
  });
}

export const test = base.extend<Fixtures>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads fixture needs from this pattern
  pageErrors: async ({}, use) => {
    const errors: string[] = [];
    await use(errors);
    expect(errors, 'no uncaught errors or console errors in the page').toEqual([]);
  },
  // eslint-disable-next-line no-empty-pattern -- as above
  requests: async ({}, use) => {
    await use([]);
  },
  context: async ({ context, pageErrors, requests }, use) => {
    watch(context, pageErrors, requests);
    await use(context);
  },
  otherContext: async ({ browser, pageErrors, requests }, use) => {
    const context = await browser.newContext();
    watch(context, pageErrors, requests);
    await use(context);
    await context.close();
  },
});

/** Waits for request headers still being read, so `requests` is complete. */
export async function settledRequests(requests: RecordedRequest[]): Promise<RecordedRequest[]> {
  await Promise.allSettled([...pending]);
  return requests;
}

export function serverLog(): string {
  const file = process.env.PEERFOLD_E2E_SERVER_LOG;
  if (!file) throw new Error('PEERFOLD_E2E_SERVER_LOG is unset: run through playwright.config.ts');
  return readFileSync(file, 'utf8');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

/** Creates a share through the UI and returns its three links as shown on the share page. */
export async function createShare(page: Page, name = 'Holiday photos') {
  await page.goto('/');
  await page.getByRole('button', { name: 'Create a share' }).click();
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create share' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  return {
    write: await page.getByRole('textbox', { name: 'Write link', exact: true }).inputValue(),
    read: await page.getByRole('textbox', { name: 'Read link', exact: true }).inputValue(),
    store: await page.getByRole('textbox', { name: 'Store link', exact: true }).inputValue(),
  };
}

/** A fresh share's links made by the core in Node, for tests about opening links. */
export async function linksFromCore(origin: string) {
  await initCrypto();
  const write = newShare();
  return {
    write: capabilityLink(write, origin),
    read: capabilityLink(toRead(write), origin),
    store: capabilityLink(toStore(write), origin),
  };
}

/**
 * Stands in for the folder picker (which cannot be automated): `showDirectoryPicker` hands back
 * the origin-private directory `name`, through the same code path a picked folder takes.
 */
export async function pickerGivesOpfsFolder(page: Page, name: string): Promise<void> {
  await page.addInitScript((folder) => {
    Object.assign(window, {
      showDirectoryPicker: async () => {
        const root = await navigator.storage.getDirectory();
        return root.getDirectoryHandle(folder, { create: true });
      },
    });
  }, name);
}

/** Writes `bytes` (or `size` pseudo-random bytes) to `path` below the OPFS directory `folder`. */
export async function writeOpfsFile(
  page: Page,
  folder: string,
  path: string,
  content: { text: string } | { size: number },
): Promise<void> {
  await page.evaluate(
    async ({ folder, path, content }) => {
      let dir = await (
        await navigator.storage.getDirectory()
      ).getDirectoryHandle(folder, {
        create: true,
      });
      const parts = path.split('/');
      for (const part of parts.slice(0, -1)) {
        dir = await dir.getDirectoryHandle(part, { create: true });
      }
      const file = await dir.getFileHandle(parts.at(-1)!, { create: true });
      const out = await file.createWritable();
      if ('text' in content) await out.write(content.text);
      else {
        const chunk = new Uint8Array(1 << 16);
        for (let at = 0; at < content.size; at += chunk.length) {
          crypto.getRandomValues(chunk);
          await out.write(chunk.subarray(0, Math.min(chunk.length, content.size - at)));
        }
      }
      await out.close();
    },
    { folder, path, content },
  );
}

/** Removes `path` below the OPFS directory `folder`. */
export async function removeOpfsEntry(page: Page, folder: string, path: string): Promise<void> {
  await page.evaluate(
    async ({ folder, path }) => {
      let dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder);
      const parts = path.split('/');
      for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part);
      await dir.removeEntry(parts.at(-1)!, { recursive: true });
    },
    { folder, path },
  );
}

/** The share page's status line (a live region). */
export function statusLine(page: Page) {
  return page.getByRole('status', { name: 'Sync status' });
}

/** The file list's row for `path` (a row's name starts with the path and a space). */
export function fileRow(page: Page, path: string) {
  return page
    .getByRole('table', { name: 'Files' })
    .getByRole('row', { name: new RegExp(`^${escapeRegExp(path)} `) });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
