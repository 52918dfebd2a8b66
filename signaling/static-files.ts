// The built app, served from one directory. A request path maps to a file only through checks
// that make leaving the directory impossible: decoded once, no `.`-segments or hidden names, no
// backslash or NUL, and the real path (symlinks resolved) must still lie inside the root.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, sep } from 'node:path';
import { cacheControlOf, contentTypeOf } from './headers';

const NOT_BUILT =
  'Peerfold: the app has not been built yet.\n' +
  'Run `npm run build` in the repository (or `peerfold serve`, which builds it), then reload.\n';

/** Writes the head (plus the security headers); with a body, also ends the response. */
export type Send = (
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body?: string,
) => void;

/** The path relative to the app root, or undefined if the request path is not acceptable. */
export function safeRelativePath(rawUrl: string): string | undefined {
  if (!rawUrl.startsWith('/')) return undefined;
  const query = rawUrl.search(/[?#]/);
  const rawPath = query >= 0 ? rawUrl.slice(0, query) : rawUrl;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s.startsWith('.'))) return undefined;
  return segments.length === 0 ? 'index.html' : segments.join('/');
}

interface Found {
  path: string;
  size: number;
  mtimeMs: number;
}

async function findFile(root: string, relative: string): Promise<Found | undefined> {
  try {
    const real = await realpath(join(root, ...relative.split('/')));
    if (!real.startsWith(root + sep)) return undefined;
    const info = await stat(real);
    return info.isFile() ? { path: real, size: info.size, mtimeMs: info.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

async function realRoot(appDir: string): Promise<string | undefined> {
  try {
    return await realpath(appDir);
  } catch {
    return undefined;
  }
}

/** Serves GET/HEAD for the app: a file, index.html for extensionless routes, or 404. */
export async function serveApp(
  req: IncomingMessage,
  res: ServerResponse,
  appDir: string,
  send: Send,
): Promise<void> {
  const relative = safeRelativePath(req.url ?? '');
  if (relative === undefined) {
    send(res, 404, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Not found\n');
    return;
  }
  const root = await realRoot(appDir);
  const lastSegment = relative.slice(relative.lastIndexOf('/') + 1);
  const isRoute = !lastSegment.includes('.');
  const target = isRoute ? 'index.html' : relative;
  const file = root === undefined ? undefined : await findFile(root, target);
  if (!file) {
    if (target === 'index.html') {
      send(res, 503, { 'Content-Type': 'text/plain; charset=utf-8' }, NOT_BUILT);
    } else {
      send(res, 404, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Not found\n');
    }
    return;
  }
  const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
  const headers = {
    'Content-Type': contentTypeOf(target),
    'Cache-Control': cacheControlOf(target),
    ETag: etag,
  };
  if (req.headers['if-none-match'] === etag) {
    send(res, 304, headers, '');
    return;
  }
  send(res, 200, { ...headers, 'Content-Length': String(file.size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
