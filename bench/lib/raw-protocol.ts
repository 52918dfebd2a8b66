/**
 * What the raw references (raw-tcp-peer.ts, raw-rtc-peer.ts and the page's rtc-page.ts) share:
 * the files they move (every regular file below the folder, hidden entries such as the .peerfold
 * marker left out, in name order) and the data channel's framing and backpressure settings.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

export async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    if (entry.name.startsWith('.')) continue; // the .peerfold marker
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(root, full)));
    else if (entry.isFile()) out.push(relative(root, full));
  }
  return out;
}

/**
 * One ordered reliable channel: a text message {path, size} starts a file, binary messages of at
 * most `chunk` bytes carry it, {end: true} ends the transfer. The sender waits for
 * `bufferedamountlow` (at `lowWater`) whenever more than `highWater` bytes are queued: pushing
 * past the buffer closes the channel (DESIGN.md section 11).
 */
export const RAW_CHANNEL = {
  label: 'bench-raw',
  chunk: 64 * 1024,
  highWater: 1024 * 1024,
  lowWater: 256 * 1024,
} as const;

export type RawHeader = { readonly path: string; readonly size: number } | { readonly end: true };
