/** Node file system helpers shared by the Node drive and the file-backed stores. */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isPeerfoldError, PeerfoldError } from '../core/errors';
import { TEMP_PREFIX } from '../core/path';

export function errno(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

export const isNotFound = (e: unknown): boolean => errno(e) === 'ENOENT';

/** Any failure as a PeerfoldError: disk full and disk errors typed, the rest as 'io'. */
export function fsError(e: unknown, what: string): PeerfoldError {
  if (isPeerfoldError(e)) return e;
  const code = errno(e);
  const why = e instanceof Error ? e.message : String(e);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new PeerfoldError('no-space', `${what}: disk full (${why})`, false);
  }
  if (code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'EISDIR' || code === 'ENOTDIR') {
    return new PeerfoldError('changed', `${what}: something else is there (${why})`, false);
  }
  return new PeerfoldError('io', `${what}: ${why}`, false);
}

// Random per process, counted per name: a name is never reused, and drawing 8 random bytes for
// each file cost more than the rest of the name (files are opened O_EXCL all the same).
const processTag = randomBytes(8).toString('hex');
let tempCount = 0;

/** A fresh temporary name: our prefix, so lists skip it and `cleanupTemp` finds it. */
export function tempName(): string {
  tempCount++;
  return `${TEMP_PREFIX}${processTag}-${tempCount.toString(36)}`;
}

/** Best-effort removal of a temporary file (it may already be gone). */
export async function discard(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}

/**
 * Writes `bytes` to `file` atomically: a temporary file in `tmpDir` (default: beside `file`, on
 * the same file system), optionally synced, then renamed over `file`.
 */
export async function writeFileAtomic(
  file: string,
  bytes: Uint8Array,
  options: { fsync?: boolean; tmpDir?: string } = {},
): Promise<void> {
  const tmp = join(options.tmpDir ?? dirname(file), tempName());
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      if (options.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await discard(tmp);
    throw fsError(e, file);
  }
}

/** Makes a rename durable: syncs the directory that holds it (a no-op where unsupported). */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    await fh.sync().finally(() => fh.close());
  } catch {
    // Windows cannot open or sync a directory; the rename is still atomic there.
  }
}
