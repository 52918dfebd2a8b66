/**
 * Paths in the index (DESIGN.md section 6: paths from peers are untrusted).
 *
 * A path is relative to the share's root, '/'-separated, Unicode NFC, and valid on every
 * platform a peer may write it to. `validatePath` is the one gate: the scanner runs local names
 * through `normalizePath` then `validatePath` (skipping, with a warning, what fails), and the
 * index decoder rejects any node holding an invalid path. So these rules are part of the
 * protocol (docs/PROTOCOL.md): changing them makes old trees unreadable.
 *
 * A path is rejected (PeerfoldError 'bad-path') when it is:
 *   - empty, or longer than 4096 UTF-8 bytes;
 *   - absolute: starts with '/' or '\', or a drive letter ('C:', 'C:\x', 'C:x');
 *   - not in NFC, or holds a lone surrogate;
 *   - holding a control character (U+0000..U+001F, U+007F), a backslash or a ':';
 *   - made of an empty segment (leading, trailing or doubled '/'), or a '.' or '..' segment;
 *   - holding a segment longer than 255 UTF-8 bytes, ending in '.' or ' ', equal to the folder
 *     marker `.peerfold` (any case), starting with the temporary prefix `.peerfold-tmp-` (any
 *     case), or a Windows reserved device name (CON, PRN, AUX, NUL, COM0-9, COM¹²³, LPT0-9,
 *     LPT¹²³, CONIN$, CONOUT$; any case, alone or before a '.' extension, trailing spaces
 *     ignored: 'nul', 'Con.txt', 'aux .tar.gz').
 *
 * Order: paths sort by segments, so a directory's contents are contiguous and come right after
 * it: 'a' < 'a/b' < 'a/c' < 'a-b' < 'a.b'. Equivalently, compare the UTF-8 bytes with '/'
 * counted lower than any other byte (`pathKey`: UTF-8 with '/' replaced by 0x00; valid paths
 * hold no NUL, so the map is one-to-one).
 */
import { utf8 } from './bytes';
import { PeerfoldError } from './errors';

/** The folder marker directory: its presence tells a drive the share's root is really there. */
export const MARKER_DIR = '.peerfold';
/** Temporary files are written under this prefix and renamed into place. */
export const TEMP_PREFIX = '.peerfold-tmp-';
export const MAX_PATH_BYTES = 4096;
export const MAX_SEGMENT_BYTES = 255;

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$) *(\.|$)/i;
const DRIVE = /^[A-Za-z]:/;
/** The first control character (U+0000..U+001F, U+007F) in `p`, as its code, or -1. */
function firstControl(p: string): number {
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return c;
  }
  return -1;
}

/**
 * A local path in the protocol's form: NFC, '/'-separated. `separator` is the platform's (the
 * entry point knows it; on Windows pass '\\' so 'a\\b' becomes 'a/b'). It fixes nothing else:
 * the result still has to pass `validatePath`.
 */
export function normalizePath(p: string, separator: '/' | '\\' = '/'): string {
  const slashed = separator === '\\' ? p.replaceAll('\\', '/') : p;
  return slashed.normalize('NFC');
}

function bad(p: string, why: string): PeerfoldError {
  return new PeerfoldError('bad-path', `bad path ${JSON.stringify(p)}: ${why}`);
}

function byteLength(s: string): number {
  try {
    return utf8(s).length;
  } catch {
    return -1;
  }
}

/** Returns `p` if it is a valid index path (see the rules above), else throws 'bad-path'. */
export function validatePath(p: string): string {
  if (typeof p !== 'string' || p.length === 0) throw bad(String(p), 'empty');
  if (p.startsWith('/') || p.startsWith('\\') || DRIVE.test(p)) throw bad(p, 'absolute');
  const bytes = byteLength(p);
  if (bytes < 0) throw bad(p, 'not valid Unicode (lone surrogate)');
  if (bytes > MAX_PATH_BYTES) throw bad(p, `${bytes} bytes, at most ${MAX_PATH_BYTES}`);
  const control = firstControl(p);
  if (control >= 0) {
    throw bad(p, `control character U+${control.toString(16).padStart(4, '0')}`);
  }
  if (p.includes('\\')) throw bad(p, 'backslash');
  if (p.includes(':')) throw bad(p, "':' is not allowed");
  if (p.normalize('NFC') !== p) throw bad(p, 'not in Unicode NFC');
  if (p.endsWith('/')) throw bad(p, "ends with '/'");
  for (const segment of p.split('/')) checkSegment(p, segment);
  return p;
}

function checkSegment(p: string, segment: string): void {
  if (segment === '') throw bad(p, "empty segment ('//')");
  if (segment === '.' || segment === '..') throw bad(p, `'${segment}' segment`);
  const lower = segment.toLowerCase();
  if (lower === MARKER_DIR) throw bad(p, `'${MARKER_DIR}' is the folder marker`);
  if (lower.startsWith(TEMP_PREFIX)) throw bad(p, `'${TEMP_PREFIX}' is the temporary prefix`);
  if (RESERVED.test(segment)) throw bad(p, `'${segment}' is a reserved name on Windows`);
  if (segment.endsWith('.') || segment.endsWith(' ')) {
    throw bad(p, `segment '${segment}' ends in '${segment.slice(-1)}'`);
  }
  const bytes = byteLength(segment);
  if (bytes > MAX_SEGMENT_BYTES) throw bad(p, `a segment of ${bytes} bytes, at most 255`);
}

/** UTF-8 length of a well-formed string, without encoding it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** True if `p` passes `validatePath`. */
export function isValidPath(p: string): boolean {
  try {
    validatePath(p);
    return true;
  } catch {
    return false;
  }
}

/** A UTF-16 code unit mapped so that numeric order is code point order, '/' lowest. */
function rank(c: number): number {
  if (c === 0x2f) return -1;
  if (c >= 0xe000) return c - 0x800; // BMP above the surrogates sorts below astral planes
  if (c >= 0xd800) return c + 0x2000; // surrogates: astral code points, above the BMP
  return c;
}

/**
 * The order of the index: segment by segment, each compared as UTF-8 bytes. Same result as
 * `compareBytes(pathKey(a), pathKey(b))`, without allocating.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** UTF-8 of `p` with every '/' as 0x00: byte order of keys is `comparePaths` order. */
export function pathKey(p: string): Uint8Array {
  const bytes = utf8(p);
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x2f) bytes[i] = 0;
  return bytes;
}

/**
 * A key for case-insensitive collision checks (two paths that one case-insensitive drive would
 * store as one file have equal keys): lower case, then NFC again.
 */
export function foldCase(p: string): string {
  return p.normalize('NFD').toLowerCase().normalize('NFC');
}

/** 'a/b/c' -> 'a/b'; a top-level name -> '' (the root). */
export function parentPath(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/** 'a/b/c' -> 'c'. */
export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
