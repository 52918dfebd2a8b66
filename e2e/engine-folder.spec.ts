// The sync engine in the page's Web Worker, on a folder handed to the app the way the folder
// picker would: files written into that folder show up in the file list with their sizes,
// edits and deletions are followed, and the status line is honest about peers.
import { createShare, expect, fileRow, pickerGivesOpfsFolder, removeOpfsEntry } from './fixtures';
import { screenshot, statusLine, test, writeOpfsFile } from './fixtures';
import type { BrowserContext, Page } from '@playwright/test';

const FOLDER = 'Engine folder';

/** Runs a new share over FOLDER in `page`, then opens it in a second tab, which waits. */
async function shareInTwoTabs(page: Page, context: BrowserContext, name: string): Promise<Page> {
  await pickerGivesOpfsFolder(page, FOLDER);
  await createShare(page, name);
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await expect(statusLine(page)).toHaveText('Up to date · waiting for peers');
  const second = await context.newPage();
  await second.goto('/');
  await second.getByRole('button', { name: new RegExp(name) }).click();
  await expect(statusLine(second)).toHaveText(
    'Open in another tab: this share syncs there. This tab takes over when that one is closed.',
  );
  return second;
}

test('a picked folder: files appear with their sizes, an edit and a delete are followed', async ({
  page,
}) => {
  await pickerGivesOpfsFolder(page, FOLDER);
  await createShare(page, 'Engine files');
  await expect(statusLine(page)).toHaveText('Waiting for a folder: choose one below.');
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await expect(statusLine(page)).toHaveText('Up to date · waiting for peers');
  await expect(page.getByText('No files yet.')).toBeVisible();
  await expect(page.getByText(/No peers connected/)).toBeVisible();

  await writeOpfsFile(page, FOLDER, 'notes.txt', { text: 'hello world' });
  await writeOpfsFile(page, FOLDER, 'photos/beach.jpg', { size: 3000 });
  await writeOpfsFile(page, FOLDER, 'plan.sync-conflict-20240102-030405-abcdef1.txt', {
    text: 'older plan',
  });
  await page.getByRole('button', { name: 'Rescan now' }).click();
  await expect(fileRow(page, 'notes.txt')).toContainText('11 bytes');
  await expect(fileRow(page, 'photos/beach.jpg')).toContainText('2.9 KB');
  await expect(fileRow(page, 'photos/')).toContainText('Folder');
  await expect(fileRow(page, 'plan.sync-conflict-20240102-030405-abcdef1.txt')).toContainText(
    'Conflict copy of plan.txt',
  );
  await expect(fileRow(page, 'notes.txt')).toContainText('Up to date');
  await expect(statusLine(page)).toHaveText('Up to date · waiting for peers');
  await expect(
    page.getByText('3 files, 3.0 KB in 1 folder · 1 conflict copy · 1 version signed'),
  ).toBeVisible();
  await screenshot(page, 'engine-file-list');

  // An edit: a new size; a delete: the row goes.
  await writeOpfsFile(page, FOLDER, 'notes.txt', { size: 5000 });
  await removeOpfsEntry(page, FOLDER, 'photos/beach.jpg');
  await page.getByRole('button', { name: 'Rescan now' }).click();
  await expect(fileRow(page, 'notes.txt')).toContainText('4.9 KB');
  await expect(fileRow(page, 'photos/beach.jpg')).toHaveCount(0);
  await expect(fileRow(page, 'photos/')).toHaveCount(1);
  await expect(statusLine(page)).toHaveText('Up to date · waiting for peers');

  // After a reload the share runs again on its own and lists the same files.
  await page.reload();
  await page.getByRole('button', { name: /Engine files/ }).click();
  await expect(fileRow(page, 'notes.txt')).toContainText('4.9 KB');
  await expect(statusLine(page)).toHaveText('Up to date · waiting for peers');
  await screenshot(page, 'engine-status-up-to-date');
});

test('a vanished folder pauses the share and deletes nothing; an empty one in its place is not taken for it', async ({
  page,
}) => {
  await pickerGivesOpfsFolder(page, FOLDER);
  await createShare(page, 'Vanishing');
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await writeOpfsFile(page, FOLDER, 'keep.txt', { text: 'keep me' });
  await page.getByRole('button', { name: 'Rescan now' }).click();
  await expect(fileRow(page, 'keep.txt')).toContainText('7 bytes');

  await page.evaluate(async (name) => {
    const root = await navigator.storage.getDirectory();
    await root.removeEntry(name, { recursive: true });
  }, FOLDER);
  await page.getByRole('button', { name: 'Rescan now' }).click();
  await expect(statusLine(page)).toContainText('Paused: folder gone.');
  // The index still lists the file: a vanished folder is never read as deletions.
  await expect(fileRow(page, 'keep.txt')).toContainText('7 bytes');
  await screenshot(page, 'engine-paused-folder-gone');

  // A new, empty directory of the same name has no marker: still paused, with that reason.
  await writeOpfsFile(page, FOLDER, 'other.txt', { text: 'new' });
  await page.getByRole('button', { name: 'Rescan now' }).click();
  await expect(statusLine(page)).toContainText('lost its .peerfold marker folder');
  await expect(fileRow(page, 'keep.txt')).toContainText('7 bytes');
  await expect(fileRow(page, 'other.txt')).toHaveCount(0);
});

test('a share runs in one tab at a time: a second tab says so and takes over when the first closes', async ({
  page,
  context,
}) => {
  const second = await shareInTwoTabs(page, context, 'Two tabs');
  await writeOpfsFile(page, FOLDER, 'notes.txt', { text: 'hello world' });
  await page.getByRole('button', { name: 'Rescan now' }).click();
  await expect(fileRow(page, 'notes.txt')).toContainText('Up to date');
  await expect(statusLine(second)).toHaveText(/^Open in another tab/);
  // Leaving here would delete files the first tab has open: it says where to leave instead.
  await expect(
    second.getByText(/open in another tab of this browser: leave it there/),
  ).toBeVisible();
  await expect(second.getByRole('button', { name: 'Leave this share…' })).toHaveCount(0);

  await page.close();
  await expect(statusLine(second)).toHaveText('Up to date · waiting for peers');
  await expect(fileRow(second, 'notes.txt')).toContainText('11 bytes');
  await expect(second.getByRole('button', { name: 'Leave this share…' })).toBeVisible();
});

test('a share left in the tab that runs it is not brought back by the tab that waited for it', async ({
  page,
  context,
}) => {
  const second = await shareInTwoTabs(page, context, 'Left elsewhere');

  await page.getByRole('button', { name: 'Leave this share…' }).click();
  await page.getByRole('button', { name: 'Leave share' }).click();
  await expect(page.getByText('You left “Left elsewhere”.')).toBeVisible();
  await expect(statusLine(second)).toHaveText(
    'You left this share in another tab. Reload this page to update the list.',
  );
  const shareDirs = await second.evaluate(async () => {
    const app = await (await navigator.storage.getDirectory()).getDirectoryHandle('peerfold');
    const names: string[] = [];
    for await (const name of (await app.getDirectoryHandle('shares')).keys()) names.push(name);
    return names;
  });
  expect(shareDirs).toEqual([]);
  await second.reload();
  await expect(second.getByRole('button', { name: /Left elsewhere/ })).toHaveCount(0);
});
