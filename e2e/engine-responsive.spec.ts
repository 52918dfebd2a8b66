// Hashing, chunking and crypto run in the engine's Web Worker: while a 32 MiB file is read and
// sealed, the page keeps drawing frames and answering clicks, and the reading is measured and
// reported by the worker itself.
import { createShare, expect, pickerGivesOpfsFolder, screenshot, statusLine } from './fixtures';
import { fileRow, test, writeOpfsFile } from './fixtures';

const FOLDER = 'Big file folder';
const SIZE = 32 * 1024 * 1024;

interface Probe {
  frames: number[];
  clicks: number[];
  changes: { t: number; text: string }[];
}

test('the page stays responsive while the worker hashes a 32 MiB file', async ({ page }, info) => {
  await pickerGivesOpfsFolder(page, FOLDER);
  await createShare(page, 'Big file');
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await expect(statusLine(page)).toHaveText('Up to date · waiting for peers');
  await writeOpfsFile(page, FOLDER, 'big.bin', { size: SIZE });

  // On the page: every animation frame, every status text, and a click handler's runs, timed.
  await page.evaluate(() => {
    const probe: Probe = { frames: [], clicks: [], changes: [] };
    Object.assign(window, { probe });
    const frame = (t: number) => {
      probe.frames.push(t);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    const line = document.querySelector('[aria-label="Sync status"]')!;
    new MutationObserver(() =>
      probe.changes.push({ t: performance.now(), text: line.textContent ?? '' }),
    ).observe(line, { childList: true, characterData: true, subtree: true });
    const button = document.createElement('button');
    button.textContent = 'Probe click';
    button.addEventListener('click', () => probe.clicks.push(performance.now()));
    document.body.append(button);
  });

  await page.getByRole('button', { name: 'Rescan now' }).click();
  await expect(statusLine(page)).toContainText('Scanning: reading 1 file');
  await screenshot(page, 'engine-scanning');
  await page.getByRole('button', { name: 'Probe click' }).click();
  await expect(statusLine(page)).toHaveText('Up to date · waiting for peers', { timeout: 60_000 });
  await expect(fileRow(page, 'big.bin')).toContainText('32.0 MB');

  // The worker measured its own reading of the file: all of it, there.
  const lastScan = page.getByText(
    /^Last read 1 file \(32\.0 MB\) in [\d.]+ m?s, in the background\.$/,
  );
  await expect(lastScan).toBeVisible();

  const probe = await page.evaluate(() => (window as unknown as { probe: Probe }).probe);
  const start = probe.changes.find((c) => c.text.startsWith('Scanning'))!.t;
  const end = probe.changes.find((c) => c.t > start && c.text.startsWith('Up to date'))!.t;
  const during = probe.frames.filter((t) => t > start && t < end);
  const gaps = during.slice(1).map((t, i) => t - during[i]!);
  const maxGap = Math.max(0, ...gaps);
  info.annotations.push({
    type: 'measured',
    description: `scan ${Math.round(end - start)} ms on the page clock; ${during.length} frames drawn meanwhile, longest gap ${Math.round(maxGap)} ms; worker: ${await lastScan.textContent()}`,
  });
  // The click made during the scan was handled during the scan, and frames kept coming: the
  // main thread was free while the worker read, hashed and sealed 32 MiB.
  expect(probe.clicks.length).toBe(1);
  expect(probe.clicks[0]!).toBeGreaterThan(start);
  expect(probe.clicks[0]!).toBeLessThan(end);
  expect(during.length).toBeGreaterThan(1);
});
