// Fixtures for syncing between browsers: a second browser in its own process, the folder
// handed to a share the way the picker would, and the folder's files read back (path ->
// SHA-256) to compare two browsers' folders byte for byte.
import type { BrowserType, LaunchOptions, Page } from '@playwright/test';
import { expect, pickerGivesOpfsFolder, statusLine, test as base } from './fixtures';

export * from './fixtures';

interface SyncFixtures {
  /** A page in a separate Chromium process (another person's computer), watched like `page`. */
  pageB: Page;
  /** A third one, in a process of its own too. */
  pageC: Page;
}

interface Needs {
  browserType: BrowserType;
  launchOptions: LaunchOptions;
  baseURL: string | undefined;
  pageErrors: string[];
}

async function separateBrowserPage(
  { browserType, launchOptions, baseURL, pageErrors }: Needs,
  label: string,
  use: (page: Page) => Promise<void>,
): Promise<void> {
  const browser = await browserType.launch(launchOptions);
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`pageerror (${label}): ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console (${label}): ${message.text()}`);
  });
  await use(page);
  await browser.close();
}

export const test = base.extend<SyncFixtures>({
  pageB: async ({ playwright, launchOptions, baseURL, pageErrors }, use) =>
    separateBrowserPage(
      { browserType: playwright.chromium, launchOptions, baseURL, pageErrors },
      'B',
      use,
    ),
  pageC: async ({ playwright, launchOptions, baseURL, pageErrors }, use) =>
    separateBrowserPage(
      { browserType: playwright.chromium, launchOptions, baseURL, pageErrors },
      'C',
      use,
    ),
});

/** Opens `link`, then gives the share the OPFS folder `folder` through the picker's path. */
export async function openWithFolder(page: Page, link: string, folder: string): Promise<void> {
  await pickerGivesOpfsFolder(page, folder);
  await page.goto(link);
  await expect(page.getByText('Share added.')).toBeVisible();
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await expect(statusLine(page)).toContainText(/Up to date|Receiving|Scanning|Writing/);
}

/**
 * Every file and directory below the OPFS folder (the .peerfold marker left out), in the shape of
 * test/helpers/folders.ts's snapshotFolder (so a Node folder compares equal): path -> 'dir' or
 * `size:sha256hex`, keys sorted.
 */
export async function opfsTree(page: Page, folder: string): Promise<Record<string, string>> {
  return page.evaluate(async (name) => {
    const out: Record<string, string> = {};
    const walk = async (dir: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
      for await (const [entry, handle] of (
        dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
      ).entries()) {
        if (entry.toLowerCase().startsWith('.peerfold')) continue; // the marker, temp files
        const path = prefix + entry;
        if (handle.kind === 'directory') {
          out[path] = 'dir';
          await walk(handle as FileSystemDirectoryHandle, `${path}/`);
        } else {
          try {
            const file = await (handle as FileSystemFileHandle).getFile();
            const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
            const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0'));
            out[path] = `${file.size}:${hex.join('')}`;
          } catch (e) {
            // Replaced or removed by the app while read (NotReadableError, NotFoundError): a
            // value no other read gives, so a poll comparing trees reads again.
            out[path] = `changing while read: ${String(e)} ${crypto.randomUUID()}`;
          }
        }
      }
    };
    const root = await navigator.storage.getDirectory();
    await walk(await root.getDirectoryHandle(name, { create: true }), '');
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
  }, folder);
}

/** Waits until the two folders hold the same files, byte for byte (either may still change). */
export async function expectSameFolder(
  a: { page: Page; folder: string },
  b: { page: Page; folder: string },
  timeout = 120_000,
): Promise<Record<string, string>> {
  let last: Record<string, string> = {};
  await expect
    .poll(
      async () => {
        const [ta, tb] = await Promise.all([
          opfsTree(a.page, a.folder),
          opfsTree(b.page, b.folder),
        ]);
        last = ta;
        return JSON.stringify(tb) === JSON.stringify(ta) ? 'same' : { a: ta, b: tb };
      },
      { timeout, intervals: [500] },
    )
    .toBe('same');
  return last;
}

/** Renames (moves) a file inside the OPFS folder. */
export async function moveOpfsFile(page: Page, folder: string, from: string, to: string) {
  await page.evaluate(
    async ({ folder, from, to }) => {
      const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder);
      const dirOf = async (path: string) => {
        let dir = root;
        for (const part of path.split('/').slice(0, -1)) {
          dir = await dir.getDirectoryHandle(part, { create: true });
        }
        return dir;
      };
      const source = await (await dirOf(from)).getFileHandle(from.split('/').at(-1)!);
      const move = (
        source as unknown as {
          move(dir: FileSystemDirectoryHandle, name: string): Promise<void>;
        }
      ).move.bind(source);
      await move(await dirOf(to), to.split('/').at(-1)!);
    },
    { folder, from, to },
  );
}
