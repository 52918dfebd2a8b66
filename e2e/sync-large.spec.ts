// Large files between two browsers (separate processes, real WebRTC): a 100 MiB file arrives
// intact, and a receiver reloaded mid-transfer resumes without fetching again what it had
// already verified and stored.
import type { Page } from '@playwright/test';
import { createShare, expect, expectSameFolder, fileRow, openWithFolder } from './sync-fixtures';
import {
  pickerGivesOpfsFolder,
  screenshot,
  statusLine,
  test,
  writeOpfsFile,
} from './sync-fixtures';

const MiB = 1024 * 1024;

async function shareWithFile(page: Page, name: string, size: number) {
  await pickerGivesOpfsFolder(page, 'A');
  const links = await createShare(page, name);
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await writeOpfsFile(page, 'A', 'movie.bin', { size });
  await page.getByRole('button', { name: 'Rescan now' }).click();
  await expect(fileRow(page, 'movie.bin')).toContainText(`${(size / MiB).toFixed(1)} MB`, {
    timeout: 120_000,
  });
  return links;
}

/** Bytes of the objects this browser's shares hold (OPFS peerfold/shares). */
function storedBytes(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const sum = async (dir: FileSystemDirectoryHandle): Promise<number> => {
      let total = 0;
      for await (const handle of (
        dir as unknown as { values(): AsyncIterable<FileSystemHandle> }
      ).values()) {
        try {
          if (handle.kind === 'directory') total += await sum(handle as FileSystemDirectoryHandle);
          else total += (await (handle as FileSystemFileHandle).getFile()).size;
        } catch {
          // a temporary file renamed away while listing: the object counts under its new name
        }
      }
      return total;
    };
    const root = await navigator.storage.getDirectory();
    const app = await root.getDirectoryHandle('peerfold', { create: true });
    return sum(await app.getDirectoryHandle('shares', { create: true }));
  });
}

/** What the peer list says was sent to the one connected peer, in bytes (0.1 MB precision). */
async function sentToPeer(page: Page): Promise<number> {
  const text = (await page.getByRole('list', { name: 'Peers' }).textContent()) ?? '';
  const sent = /↑ ([\d.]+) (bytes|KB|MB|GB)/.exec(text);
  if (!sent) throw new Error(`no sent figure in the peer list: ${text}`);
  const unit = { bytes: 1, KB: 1024, MB: MiB, GB: 1024 * MiB }[sent[2] as 'MB'];
  return Number(sent[1]) * unit;
}

test('a 100 MiB file arrives intact', async ({ page, pageB }) => {
  test.setTimeout(600_000);
  const links = await shareWithFile(page, 'Big file', 100 * MiB);
  await openWithFolder(pageB, links.read, 'B');
  await expect(statusLine(pageB)).toContainText('Receiving', { timeout: 60_000 });
  await screenshot(pageB, 'sync-receiving');
  const tree = await expectSameFolder({ page, folder: 'A' }, { page: pageB, folder: 'B' }, 480_000);
  expect(tree['movie.bin']).toMatch(new RegExp(`^${100 * MiB}:[0-9a-f]{64}$`));
  await expect(statusLine(pageB)).toHaveText('Up to date · 1 peer connected');
});

test('a receiver reloaded mid-transfer resumes without refetching what it stored', async ({
  page,
  pageB,
}) => {
  test.setTimeout(600_000);
  const size = 48 * MiB;
  const links = await shareWithFile(page, 'Resumed', size);
  await openWithFolder(pageB, links.read, 'B');
  // Reload once a good part is stored (verified objects only ever reach the store).
  await expect.poll(() => storedBytes(pageB), { timeout: 300_000 }).toBeGreaterThan(16 * MiB);
  const stored = await storedBytes(pageB);
  await pageB.reload();
  await pageB.getByRole('button', { name: /Shared folder/ }).click();

  await expectSameFolder({ page, folder: 'A' }, { page: pageB, folder: 'B' }, 480_000);
  await expect(page.getByRole('list', { name: 'Peers' }).getByRole('listitem')).toHaveCount(1);
  const sentAfterReload = await sentToPeer(page);
  console.log(
    `resume: ${(stored / MiB).toFixed(1)} MiB stored before the reload, ` +
      `${(sentAfterReload / MiB).toFixed(1)} MiB sent after it, file ${size / MiB} MiB`,
  );
  // Fetching everything again would send the whole file; index nodes and the objects in flight
  // at the reload are the margin.
  expect(sentAfterReload).toBeLessThan(size - stored + 4 * MiB);
  expect(sentAfterReload).toBeGreaterThan(0);
});
