/**
 * Origin-private folders in a browser page: random files written inside the page (the bytes
 * never cross from Node), a cheap listing of file sizes (to see a transfer end), and the
 * byte-for-byte check (e2e's opfsTree: SHA-256 of every file) once it is done.
 */
import type { Page } from 'playwright';
import { opfsTree } from '../../e2e/sync-fixtures';
import type { PlannedFile } from './data';

/** Writes `files` (random bytes, in 1 MiB pieces) below the OPFS directory `folder`. */
export async function writeOpfsFiles(
  page: Page,
  folder: string,
  files: readonly PlannedFile[],
): Promise<void> {
  await page.evaluate(
    async ({ folder, files }) => {
      const root = await (
        await navigator.storage.getDirectory()
      ).getDirectoryHandle(folder, { create: true });
      const piece = new Uint8Array(1 << 20);
      for (const { path, size } of files) {
        let dir = root;
        const parts = path.split('/');
        for (const part of parts.slice(0, -1)) {
          dir = await dir.getDirectoryHandle(part, { create: true });
        }
        const out = await (
          await dir.getFileHandle(parts.at(-1)!, { create: true })
        ).createWritable();
        for (let at = 0; at < size; at += piece.length) {
          const n = Math.min(piece.length, size - at);
          // getRandomValues fills at most 64 KiB per call.
          for (let i = 0; i < n; i += 65536) {
            crypto.getRandomValues(piece.subarray(i, Math.min(n, i + 65536)));
          }
          await out.write(piece.subarray(0, n));
        }
        await out.close();
      }
    },
    { folder, files },
  );
}

/**
 * path -> size of every file below the OPFS directory `name` (hidden entries left out): cheap, no
 * reading. Runs in a page (passed to page.evaluate or serialized into an init script).
 */
export async function folderSizesInPage(name: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const walk = async (dir: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
    for await (const [entry, handle] of (
      dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
    ).entries()) {
      if (entry.startsWith('.')) continue;
      if (handle.kind === 'directory') {
        await walk(handle as FileSystemDirectoryHandle, `${prefix}${entry}/`);
      } else {
        out[prefix + entry] = (await (handle as FileSystemFileHandle).getFile()).size;
      }
    }
  };
  const root = await navigator.storage.getDirectory();
  await walk(await root.getDirectoryHandle(name, { create: true }), '');
  return out;
}

/** The sizes of a tree (e2e's opfsTree shape: 'dir' or `size:sha256`), files only. */
export function sizesOf(tree: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [path, v] of Object.entries(tree))
    if (v !== 'dir') out[path] = Number(v.split(':')[0]);
  return out;
}

/** Throws unless the OPFS folder `folder` holds exactly `want` (e2e's opfsTree, byte for byte). */
export async function assertOpfsTree(
  page: Page,
  folder: string,
  want: Record<string, string>,
  what: string,
): Promise<void> {
  const got = await opfsTree(page, folder);
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    const differ = [...new Set([...Object.keys(got), ...Object.keys(want)])].filter(
      (p) => got[p] !== want[p],
    );
    throw new Error(`${what}: the trees differ after the run (${differ.slice(0, 5).join(', ')})`);
  }
}

export { opfsTree };
