/** The browser drive's tree walks, directory moves, case probe and watcher (see fsa-drive.ts). */
import { isHiddenName, type DriveEntry } from '../core/drive';
import { MARKER_DIR, normalizePath, TEMP_PREFIX } from '../core/path';
import type { MetaTable } from './fsa-meta';
import { canMove, children, discard, isAbsent, moveHandle } from './fsa-fs';
import type { DirHandle } from './fsa-fs';

/** How many `getFile` calls a walk keeps in flight (each is a round trip to the browser). */
const BATCH = 32;

/**
 * Never listed or reported: our marker and temporary files, and Chromium's swap files
 * (`name.crswap`: a writable's data before close() commits it, never a user's file).
 */
export function isSkipped(name: string): boolean {
  return isHiddenName(name) || name.toLowerCase().endsWith('.crswap');
}

/** Files and directories below `dir` (reported under `shown`), their keys added to `seen`. */
export async function* walk(
  dir: DirHandle,
  shown: string,
  meta: MetaTable,
  seen: Set<string>,
): AsyncGenerator<DriveEntry> {
  const listed = (await children(dir)).filter(([name]) => !isSkipped(name));
  for (let i = 0; i < listed.length; i += BATCH) {
    const batch = listed.slice(i, i + BATCH);
    const files = await Promise.all(
      batch.map(([, h]) =>
        h.kind === 'file'
          ? h.getFile().catch((e: unknown) => {
              if (isAbsent(e)) return undefined; // vanished meanwhile: not there
              throw e;
            })
          : Promise.resolve(undefined),
      ),
    );
    for (const [j, [name, h]] of batch.entries()) {
      const path = normalizePath(shown === '' ? name : `${shown}/${name}`);
      const file = files[j];
      if (h.kind === 'file' && !file) continue;
      seen.add(meta.key(path));
      if (file) yield meta.fileEntry(path, file);
      else {
        yield meta.dirEntry(path);
        yield* walk(h as DirHandle, path, meta, seen);
      }
    }
  }
}

/** Deletes our temporary files anywhere below `dir` (the marker too); returns how many. */
export async function removeTemp(dir: DirHandle): Promise<number> {
  let n = 0;
  for (const [name, h] of await children(dir)) {
    if (h.kind === 'directory') n += await removeTemp(h);
    else if (name.toLowerCase().startsWith(TEMP_PREFIX)) {
      try {
        await dir.removeEntry(name);
        n++;
      } catch (e) {
        if (!isAbsent(e)) throw e; // locked: a write in flight owns it
      }
    }
  }
  return n;
}

/** Moves file `name` of `src` into `dst`; `rel`: its path below the directory being moved. */
export type MoveFile = (src: DirHandle, name: string, dst: DirHandle, rel: string) => Promise<void>;

/**
 * Moves the directory `name` of `from` to `to` as `toName`. Where directory handles cannot move
 * (Chromium), it recreates the tree and moves each file into it with `moveFile` (a rename where
 * the browser can), then removes the emptied directories: not atomic, but a file is always
 * whole in one of the places.
 */
export async function moveDir(
  from: DirHandle,
  name: string,
  to: DirHandle,
  toName: string,
  moveFile: MoveFile,
): Promise<void> {
  const src = await from.getDirectoryHandle(name);
  if (canMove(src)) return moveHandle(src, to, toName);
  const dst = await to.getDirectoryHandle(toName, { create: true });
  await moveContents(src, dst, '', moveFile);
  await from.removeEntry(name);
}

async function moveContents(src: DirHandle, dst: DirHandle, rel: string, moveFile: MoveFile) {
  for (const [name, h] of await children(src)) {
    const path = rel === '' ? name : `${rel}/${name}`;
    if (h.kind === 'file') await moveFile(src, name, dst, path);
    else {
      const sub = await dst.getDirectoryHandle(name, { create: true });
      await moveContents(h, sub, path, moveFile);
      await src.removeEntry(name);
    }
  }
}

/** Whether `root`'s file system folds case (a picked folder on macOS or Windows). */
export async function probeCaseInsensitive(
  root: DirHandle,
  name: string,
): Promise<boolean | undefined> {
  try {
    await root.getFileHandle(name, { create: true });
  } catch {
    return undefined; // no root or no permission: the caller decides
  }
  try {
    await root.getFileHandle(name.toUpperCase());
    return true;
  } catch (e) {
    return isAbsent(e) ? false : undefined;
  } finally {
    await discard(root, name);
  }
}

interface ObserverRecord {
  type: string;
  relativePathComponents: string[];
  /** For a 'moved' record: where it was (its old directory changed too). */
  relativePathMovedFrom?: string[];
}
type ObserverCtor = new (cb: (records: ObserverRecord[]) => void) => {
  observe(handle: DirHandle, options: { recursive: boolean }): Promise<void>;
  disconnect(): void;
};

/**
 * Watches `root` with FileSystemObserver where the browser has it; elsewhere the engine's
 * periodic rescan (and the drive's own change reports) cover it. Marker and unknown events
 * report no path, so the engine rechecks status; our temporary files are not reported.
 */
export function observe(root: DirHandle, onChange: (path?: string) => void): () => void {
  const Observer = (globalThis as { FileSystemObserver?: ObserverCtor }).FileSystemObserver;
  if (Observer === undefined) return () => undefined;
  const observer = new Observer((records) => {
    for (const r of records) {
      const parts = r.relativePathComponents ?? [];
      if (parts.length === 0 || r.type === 'errored' || r.type === 'unknown') onChange();
      else if (parts[0]!.toLowerCase() === MARKER_DIR) onChange();
      else if (!parts.some(isSkipped)) onChange(normalizePath(parts.join('/')));
      const from = r.relativePathMovedFrom;
      if (from?.length && !from.some(isSkipped)) onChange(normalizePath(from.join('/')));
    }
  });
  observer.observe(root, { recursive: true }).catch(() => onChange());
  return () => observer.disconnect();
}
