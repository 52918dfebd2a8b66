// Where the browser has no folder picker the share's files live in its private storage (OPFS):
// files come in through the file input and go out as single downloads or the whole folder as a
// zip, all through the engine's drive. Leaving the share deletes all of it.
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { createShare, expect, fileRow, screenshot, statusLine, test } from './fixtures';

/** The entries of a ZIP archive, read through its central directory; stored entries only. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThanOrEqual(0);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    expect(method, `${name} is stored, not compressed`).toBe(0);
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataAt, dataAt + size);
    expect(crc32(data), `CRC-32 of ${name}`).toBe(crc);
    out.set(name, data);
    at += 46 + nameLength + extra;
  }
  return out;
}

test('no folder picker: import two files, download one, export the folder as a zip, leave', async ({
  page,
}) => {
  await page.addInitScript(() => {
    delete (window as { showDirectoryPicker?: unknown }).showDirectoryPicker;
  });
  await createShare(page, 'In the browser');
  await expect(statusLine(page)).toHaveText('Up to date · waiting for peers');
  const letter = Buffer.from('Dear reader,\nthis stays in the browser.\n');
  const photo = Buffer.alloc(70_000);
  for (let i = 0; i < photo.length; i++) photo[i] = (i * 7919) % 251;

  await page.getByLabel('Add files').setInputFiles([
    { name: 'letter.txt', mimeType: 'text/plain', buffer: letter },
    { name: 'photo.raw', mimeType: 'application/octet-stream', buffer: photo },
  ]);
  await expect(page.getByText('Added 2 files.')).toBeVisible();
  await expect(fileRow(page, 'letter.txt')).toContainText(`${letter.length} bytes`);
  await expect(fileRow(page, 'photo.raw')).toContainText('68.4 KB');
  await expect(statusLine(page)).toHaveText('Up to date · waiting for peers');
  await screenshot(page, 'engine-private-import');

  const one = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download letter.txt' }).click();
  const letterDownload = await one;
  expect(letterDownload.suggestedFilename()).toBe('letter.txt');
  expect(readFileSync(await letterDownload.path())).toEqual(letter);

  const all = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download all as zip' }).click();
  const zipDownload = await all;
  expect(zipDownload.suggestedFilename()).toBe('In the browser.zip');
  const entries = unzip(readFileSync(await zipDownload.path()));
  expect([...entries.keys()].sort()).toEqual(['letter.txt', 'photo.raw']);
  expect(entries.get('letter.txt')).toEqual(letter);
  expect(entries.get('photo.raw')).toEqual(photo);

  // The files really are in the share's private folder.
  const shareId = await page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const folders = await (await root.getDirectoryHandle('peerfold')).getDirectoryHandle('folders');
    const ids: string[] = [];
    for await (const [name] of folders.entries()) ids.push(name);
    return ids;
  });
  expect(shareId).toHaveLength(1);
  const id = shareId[0]!;

  // Leaving deletes the files, the objects and the state this browser kept for the share.
  await page.getByRole('button', { name: 'Leave this share…' }).click();
  await expect(page.getByText('The files it kept in this browser are deleted too')).toBeVisible();
  await page.getByRole('button', { name: 'Leave share' }).click();
  await expect(page.getByText('Its files and data in this browser were deleted.')).toBeVisible();
  const left = await page.evaluate(async (id) => {
    const app = await (await navigator.storage.getDirectory()).getDirectoryHandle('peerfold');
    const has = async (kind: string) => {
      const dir = await app.getDirectoryHandle(kind, { create: true });
      return dir.getDirectoryHandle(id).then(
        () => true,
        () => false,
      );
    };
    const dbs = (await indexedDB.databases()).map((d) => d.name);
    return {
      folder: await has('folders'),
      objects: await has('shares'),
      state: dbs.includes(`peerfold-share-${id}`),
    };
  }, id);
  expect(left).toEqual({ folder: false, objects: false, state: false });
});
