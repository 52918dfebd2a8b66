// Two browsers in separate processes sync a folder over real WebRTC, introduced by the real
// signaling server: B opens A's Read link and follows A's writes, edits, deletes and renames;
// the tracker learns the share's public id and nothing else. Folders are compared byte for
// byte (SHA-256 of every file).
import type { Page } from '@playwright/test';
import { createShare, expect, expectSameFolder, fileRow, moveOpfsFile } from './sync-fixtures';
import {
  openWithFolder,
  pickerGivesOpfsFolder,
  removeOpfsEntry,
  screenshot,
} from './sync-fixtures';
import { statusLine, test, writeOpfsFile } from './sync-fixtures';

import { toHex } from '../src/core/bytes';
import { discoveryKey, parseCapability } from '../src/core/capability';
import { initCrypto } from '../src/core/crypto';

const A = 'Folder A';
const B = 'Folder B';

/** Every WebSocket frame the page sends from now on (tracker announces, offers, answers). */
function recordFrames(page: Page): string[] {
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framesent', (frame) => frames.push(String(frame.payload))));
  return frames;
}

/** The info_hash of every announce: 20 chars, one byte each, as hex. */
function announcedInfoHashes(frames: string[]): string[] {
  const hashes = frames.map((f) => (JSON.parse(f) as { info_hash?: string }).info_hash ?? '');
  return [
    ...new Set(
      hashes.map((h) =>
        Array.from(h, (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join(''),
      ),
    ),
  ];
}

test('a Read browser receives the files, then follows edits, deletes and renames', async ({
  page,
  pageB,
}) => {
  test.setTimeout(240_000);
  const frames = [...[page, pageB].map(recordFrames)];
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

  // What the tracker learned: the share's public id, never a capability or a key.
  await initCrypto();
  const cap = parseCapability(links.write.slice(links.write.indexOf('#') + 1));
  const sent = frames.flat();
  expect(sent.length).toBeGreaterThan(2);
  expect(announcedInfoHashes(sent)).toEqual([toHex(discoveryKey(cap))]);
  if (cap.role === 'store') throw new Error('the share was made with a Write link');
  const keyAsChars = String.fromCharCode(...cap.readKey);
  for (const frame of sent) {
    for (const prefix of ['pfwrite1', 'pfread1', 'pfstore1']) expect(frame).not.toContain(prefix);
    expect(frame).not.toContain(keyAsChars);
  }
});
