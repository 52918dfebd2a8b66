/**
 * Real folders for process-level tests: snapshot a folder as path -> content hash (the marker
 * and temporary files left out, as a peer sees it), fill folders with deterministic content, and
 * wait until two folders hold the same tree.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isHiddenName } from '../../src/core/drive';
import { bytesFor } from './data';

/** 'dir' for a directory, else `<size>:<sha256>` of the file. */
export type FolderSnapshot = Record<string, string>;

async function fileDigest(file: string): Promise<string> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return `${size}:${h.digest('hex')}`;
}

/** Every file and directory below `root` (sorted keys), without the marker or temp files. */
export async function snapshotFolder(root: string): Promise<FolderSnapshot> {
  const out: FolderSnapshot = {};
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      if (isHiddenName(name)) continue;
      const path = prefix ? `${prefix}/${name}` : name;
      const full = join(dir, name);
      const st = await lstat(full);
      if (st.isDirectory()) {
        out[path] = 'dir';
        await walk(full, path);
      } else if (st.isFile()) {
        out[path] = await fileDigest(full);
      }
    }
  };
  await walk(root, '');
  return out;
}

/** Writes `files` (path -> size or bytes) below `root`, creating parent folders. */
export async function writeFiles(
  root: string,
  files: Record<string, number | Uint8Array | string>,
  seed = 'v1',
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    const bytes = typeof content === 'number' ? bytesFor(`${seed}/${path}`, content) : content;
    await writeFile(full, bytes);
  }
}

/**
 * A snapshot of a folder a peer may be changing right now: a listing that races a removal
 * (ENOENT between readdir and lstat) is taken again.
 */
export async function snapshotLive(root: string): Promise<FolderSnapshot> {
  for (;;) {
    try {
      return await snapshotFolder(root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

/** Polls until folder `b` holds exactly the tree of folder `a`; throws with the diff if not. */
export async function waitForSameTree(
  a: string,
  b: string,
  timeoutMs = 120_000,
  intervalMs = 250,
): Promise<FolderSnapshot> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [sa, sb] = await Promise.all([snapshotLive(a), snapshotLive(b)]);
    if (JSON.stringify(sa) === JSON.stringify(sb)) return sa;
    if (Date.now() > deadline) {
      throw new Error(`folders differ after ${timeoutMs} ms: ${describeDiff(sa, sb)}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A short human description of how two snapshots differ. */
export function describeDiff(a: FolderSnapshot, b: FolderSnapshot): string {
  const lines: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[k] !== b[k]) lines.push(`${k}: ${a[k] ?? 'absent'} vs ${b[k] ?? 'absent'}`);
    if (lines.length >= 8) break;
  }
  return lines.join('; ');
}
