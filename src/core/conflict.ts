/**
 * Conflict-copy names, Syncthing's convention:
 * `name.sync-conflict-YYYYMMDD-HHMMSS-<first 7 characters of the device id>.ext`.
 *
 * - The stamp is the losing version's mtime in UTC, to the second; an mtime outside
 *   0000-01-01..9999-12-31 (or not a number) is clamped to that range, so every peer derives
 *   the same name.
 * - The extension is the part from the last '.' of the last path segment, except when that
 *   dot is the segment's first character (`.bashrc` has none) or its last (`name.` has none).
 *   So `a/b/report.tar.gz` -> `a/b/report.tar.sync-conflict-…-abcdef1.gz`, and
 *   `.bashrc` -> `.bashrc.sync-conflict-…-abcdef1`.
 * - Directories in the path are kept: a copy is a sibling of the file it copies.
 * - Only when that name is already taken does merge add a tag of 8 lowercase hex characters
 *   after the device part (`…-abcdef1-0123abcd.ext`), see merge.ts.
 */
import type { DeviceId } from './entry';

const MARKER = '.sync-conflict-';
const MIN_TIME = -62167219200000; // 0000-01-01T00:00:00Z
const MAX_TIME = 253402300799999; // 9999-12-31T23:59:59.999Z
/** A copy name with no extension, and one with an extension (which has no further dot). */
const COPY_NAMES = [
  /^(.+)\.sync-conflict-\d{8}-\d{6}-[0-9a-f]{7}(?:-[0-9a-f]{8})?()$/,
  /^(.+)\.sync-conflict-\d{8}-\d{6}-[0-9a-f]{7}(?:-[0-9a-f]{8})?(\.[^.]+)$/,
];

/** Splits a file name into base and extension (with its dot) by the rule above. */
function splitName(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** `YYYYMMDD-HHMMSS` in UTC. */
export function conflictStamp(mtimeMs: number): string {
  const t = Number.isFinite(mtimeMs)
    ? Math.min(Math.max(Math.floor(mtimeMs), MIN_TIME), MAX_TIME)
    : 0;
  const d = new Date(t);
  return (
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1, 2) +
    pad(d.getUTCDate(), 2) +
    '-' +
    pad(d.getUTCHours(), 2) +
    pad(d.getUTCMinutes(), 2) +
    pad(d.getUTCSeconds(), 2)
  );
}

/**
 * The name under which the version of `path` written by `device` at `mtimeMs` is kept;
 * `tag` (8 lowercase hex characters) tells apart two versions that would share the name.
 */
export function conflictPath(
  path: string,
  mtimeMs: number,
  device: DeviceId,
  tag?: string,
): string {
  const slash = path.lastIndexOf('/');
  const [base, ext] = splitName(path.slice(slash + 1));
  const mark = `${MARKER}${conflictStamp(mtimeMs)}-${device.slice(0, 7)}${tag ? `-${tag}` : ''}`;
  return `${path.slice(0, slash + 1)}${base}${mark}${ext}`;
}

/** What every conflict-copy name of `path` starts with (`dir/base.sync-conflict-`). */
export function conflictPrefix(path: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}${splitName(path.slice(slash + 1))[0]}${MARKER}`;
}

/**
 * The path a conflict-copy name was derived from (its last marker removed), or undefined when
 * `path` is not shaped like a name that `conflictPath` produces.
 */
export function conflictOrigin(path: string): string | undefined {
  if (!path.includes(MARKER)) return undefined;
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  for (const pattern of COPY_NAMES) {
    const m = pattern.exec(name);
    if (!m) continue;
    const [base, ext] = [m[1]!, m[2]!];
    const [b, e] = splitName(base + ext);
    if (b === base && e === ext) return path.slice(0, slash + 1) + base + ext;
  }
  return undefined;
}

export function isConflictPath(path: string): boolean {
  return conflictOrigin(path) !== undefined;
}
