/**
 * Where a share's browser state lives, named after its public id (the discovery key, never a
 * capability; docs/STORAGE.md): objects in OPFS `peerfold/shares/<id>/`, state in the IndexedDB
 * database `peerfold-share-<id>`, and, where no folder was picked, the files themselves in OPFS
 * `peerfold/folders/<id>/`.
 */
import { toHex } from '../core/bytes';
import type { StateStore } from '../core/drive';
import type { ObjectStore } from '../core/ports';
import { childDir } from '../storage/fsa-fs';
import { IdbStateStore } from '../storage/idb-state-store';
import { OpfsObjectStore } from '../storage/opfs-object-store';
import { OpfsPackStore } from '../storage/opfs-pack-store';

const APP_DIR = 'peerfold';
/** This browser's device id in a share (one per device and share, DESIGN.md section 3). */
const DEVICE_KEY = 'browser/device';
/** What ShareState (engine/share-state.ts) keeps about the folder itself, not the share. */
const FOLDER_KEYS = ['local/root', 'local/stamps'];

async function appDir(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(APP_DIR, { create: true });
}

async function subDir(kind: 'shares' | 'folders', id: string) {
  const parent = await (await appDir()).getDirectoryHandle(kind, { create: true });
  return parent.getDirectoryHandle(id, { create: true });
}

/** The directory of the share's object store. */
export const objectsDir = (id: string) => subDir('shares', id);

/** A share's object store, open for this tab (hold its ShareLock first). */
export type ShareObjects = ObjectStore & { close?(): Promise<void> };

/**
 * The share's objects: packs where sync access handles exist (dedicated workers of current
 * browsers), else a file per object (still found by the packs later).
 */
export async function openObjects(id: string): Promise<ShareObjects> {
  const dir = await objectsDir(id);
  if (OpfsPackStore.supported()) return OpfsPackStore.open(dir);
  const store = new OpfsObjectStore(dir);
  await store.cleanupTemp();
  return store;
}

/** Whether the share's object directory exists (leaving a share deletes it). */
export async function hasShareStorage(id: string): Promise<boolean> {
  const shares = await (await appDir()).getDirectoryHandle('shares', { create: true });
  return (await childDir(shares, id)) !== undefined;
}

/** The Web Lock a tab holds while it runs the share (share-lock.ts). */
export const lockName = (id: string): string => `peerfold-share-${id}`;
/** The share's folder in the browser's private storage. */
export const privateFolder = (id: string) => subDir('folders', id);

export const stateName = (id: string): string => `peerfold-share-${id}`;

/** Deletes the share's objects and state, and its private folder when it has one. */
export async function destroyShareStorage(id: string, withPrivateFolder: boolean): Promise<void> {
  const dir = await appDir();
  const kinds = withPrivateFolder ? ['shares', 'folders'] : ['shares'];
  for (const kind of kinds) {
    const parent = await dir.getDirectoryHandle(kind, { create: true });
    await parent.removeEntry(id, { recursive: true }).catch((e: unknown) => {
      if (!(e instanceof DOMException && e.name === 'NotFoundError')) throw e;
    });
  }
  await IdbStateStore.destroy(stateName(id));
}

/** The device id stored with the share, made from fresh randomness the first time. */
export async function deviceIdFor(state: StateStore): Promise<string> {
  const saved = await state.get(DEVICE_KEY);
  const text = saved ? new TextDecoder().decode(saved) : '';
  if (/^[0-9a-f]{16}$/.test(text)) return text;
  const id = toHex(crypto.getRandomValues(new Uint8Array(8)));
  await state.put(DEVICE_KEY, new TextEncoder().encode(id));
  return id;
}

/**
 * Forgets what the previous folder held, keeping the share's versions and the device's
 * counter: the next start claims the new folder, and the merge fills it with the share's files
 * (nothing the old folder lacked is read as a deletion).
 */
export async function forgetFolder(state: StateStore): Promise<void> {
  for (const key of FOLDER_KEYS) await state.delete(key);
}
