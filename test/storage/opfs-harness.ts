/** Browser test fixtures: fresh directories in the origin-private file system. */
import { toHex } from '../../src/core/bytes';
import { FsaDrive, type FsaDriveOptions } from '../../src/storage/fsa-drive';
import type { DriveHarness } from './drive-contract';

/** A fresh, uniquely named directory at the top of OPFS, and a way to remove it. */
export async function opfsDir(label: string) {
  const opfs = await navigator.storage.getDirectory();
  const name = `${label}-${toHex(crypto.getRandomValues(new Uint8Array(6)))}`;
  const dir = await opfs.getDirectoryHandle(name, { create: true });
  return { opfs, name, dir, remove: () => removeWhenFree(opfs, name) };
}

/**
 * Removes `name` recursively. A drive a test left open may still be saving its metadata in the
 * marker (a debounced write): the removal is refused while that file is open for writing, so it
 * is tried again for up to 2 s.
 */
async function removeWhenFree(parent: FileSystemDirectoryHandle, name: string): Promise<void> {
  for (let waited = 0; ; waited += 50) {
    try {
      return await parent.removeEntry(name, { recursive: true });
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'NoModificationAllowedError')) throw e;
      if (waited >= 2_000) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function names(dir: FileSystemDirectoryHandle): Promise<string[]> {
  const out: string[] = [];
  for await (const name of dir.keys()) out.push(name);
  return out.sort();
}

/**
 * A browser drive on `<fresh>/root` with its marker. Before removing anything from under the
 * drive, the harness lets its background save of the mtime table finish: OPFS refuses to remove
 * a file that a writable holds open, where a user deleting the folder on disk would not be.
 */
export async function opfsHarness(
  options: FsaDriveOptions = {},
): Promise<DriveHarness & { drive: FsaDrive; parent: FileSystemDirectoryHandle }> {
  const parent = await opfsDir('peerfold-drive');
  const root = await parent.dir.getDirectoryHandle('root', { create: true });
  const drive = await FsaDrive.open(root, options);
  await drive.createMarker();
  return {
    drive,
    parent: parent.dir,
    removeRoot: async () => {
      await drive.flush();
      await parent.dir.removeEntry('root', { recursive: true });
    },
    removeMarker: async () => {
      await drive.flush();
      await root.removeEntry('.peerfold', { recursive: true });
    },
    outside: async () => (await names(parent.dir)).filter((n) => n !== 'root'),
    cleanup: async () => {
      await drive.flush();
      await parent.remove();
    },
  };
}
