// Two Write browsers (separate processes) edit the same file while apart, then meet again:
// both end with the same winner and the same conflict copy holding the other edit.
import { createShare, expect, expectSameFolder, fileRow, opfsTree } from './sync-fixtures';
import { openWithFolder, pickerGivesOpfsFolder, screenshot, statusLine } from './sync-fixtures';
import { test, writeOpfsFile } from './sync-fixtures';
import type { Page } from '@playwright/test';

const EDIT_A = 'plan by A';
const EDIT_B = 'plan by B, a longer one';

/** Leaves the app (its engine stops with the page) for a same-origin page that is not the app. */
async function goOffline(page: Page): Promise<void> {
  // A JSON page has no icon link: Chromium asks for /favicon.ico, which the app does not have.
  await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  await page.goto('/config.json');
}

async function backOnline(page: Page, share: string): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: new RegExp(share) }).click();
}

test('edits made apart on two Write browsers end as the same winner and conflict copy on both', async ({
  page,
  pageB,
}) => {
  test.setTimeout(180_000);
  await pickerGivesOpfsFolder(page, 'A');
  const links = await createShare(page, 'Conflicting plans');
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await writeOpfsFile(page, 'A', 'plan.txt', { text: 'the first plan' });
  await page.getByRole('button', { name: 'Rescan now' }).click();
  await expect(fileRow(page, 'plan.txt')).toBeVisible();
  await openWithFolder(pageB, links.write, 'B');
  await expectSameFolder({ page, folder: 'A' }, { page: pageB, folder: 'B' });

  // Apart: each edits the same file while the other's app is closed.
  await goOffline(page);
  await goOffline(pageB);
  await writeOpfsFile(page, 'A', 'plan.txt', { text: EDIT_A });
  await writeOpfsFile(pageB, 'B', 'plan.txt', { text: EDIT_B });
  await backOnline(page, 'Conflicting plans');
  await backOnline(pageB, 'Shared folder');

  const tree = await expectSameFolder({ page, folder: 'A' }, { page: pageB, folder: 'B' });
  const names = Object.keys(tree);
  const copies = names.filter((n) => /^plan\.sync-conflict-\d{8}-\d{6}-[0-9a-f]{7}\.txt$/.test(n));
  expect(names).toHaveLength(2);
  expect(copies).toHaveLength(1);
  const sizes = [tree['plan.txt'], tree[copies[0]!]].map((v) => Number(v!.split(':')[0]));
  expect(sizes.sort((x, y) => x - y)).toEqual([EDIT_A.length, EDIT_B.length]);
  // Neither edit was lost, and both browsers agree on which one won.
  expect(await opfsTree(pageB, 'B')).toEqual(await opfsTree(page, 'A'));
  for (const p of [page, pageB]) {
    await expect(fileRow(p, copies[0]!)).toContainText('Conflict copy of plan.txt');
    await expect(statusLine(p)).toHaveText('Up to date · 1 peer connected');
  }
  await expect(page.getByText(/1 conflict copy/)).toBeVisible();
  await screenshot(page, 'sync-conflict-a');
  await screenshot(pageB, 'sync-conflict-b');
});
