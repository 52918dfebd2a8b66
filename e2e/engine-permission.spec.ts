// Folder permission lapses (as after a reload in Chromium): the share pauses and says so, one
// click grants it again and sync resumes. The browser's prompt cannot be automated, so the
// handle's permission methods stand in for the browser's answers (as in screens.spec.ts).
import { createShare, expect, fileRow, screenshot, statusLine, test } from './fixtures';
import { writeOpfsFile } from './fixtures';

const FOLDER = 'Lapsing folder';

test('permission lapsed: paused, one click resumes, also after a reload', async ({ page }) => {
  await page.addInitScript((folder) => {
    Object.assign(window, {
      showDirectoryPicker: async () => {
        const root = await navigator.storage.getDirectory();
        return root.getDirectoryHandle(folder, { create: true });
      },
    });
    const proto = FileSystemDirectoryHandle.prototype as unknown as Record<string, unknown>;
    let granted = false; // every page load starts with the permission lapsed
    proto.queryPermission = () => Promise.resolve(granted ? 'granted' : 'prompt');
    proto.requestPermission = () => {
      granted = true;
      return Promise.resolve('granted');
    };
  }, FOLDER);
  await createShare(page, 'Permission');
  await writeOpfsFile(page, FOLDER, 'before.txt', { text: 'written before access' });
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await expect(statusLine(page)).toHaveText(
    'Paused: folder permission needed. Allow access to “Lapsing folder” below and sync resumes.',
  );
  // Nothing was read while paused.
  await expect(page.getByText('The file list shows once the folder is open.')).toBeVisible();
  await screenshot(page, 'engine-paused-permission');

  await page.getByRole('button', { name: `Allow access to ${FOLDER}` }).click();
  await expect(statusLine(page)).toHaveText('Up to date · waiting for peers');
  await expect(fileRow(page, 'before.txt')).toContainText('21 bytes');

  await page.reload();
  await page.getByRole('button', { name: /Permission/ }).click();
  await expect(statusLine(page)).toContainText('Paused: folder permission needed.');
  await writeOpfsFile(page, FOLDER, 'while-paused.txt', { text: 'later' });
  await page.getByRole('button', { name: `Allow access to ${FOLDER}` }).click();
  await expect(fileRow(page, 'while-paused.txt')).toContainText('5 bytes');
  await expect(statusLine(page)).toHaveText('Up to date · waiting for peers');
  await expect(page.getByRole('button', { name: `Allow access to ${FOLDER}` })).toHaveCount(0);
});
