/**
 * The WebTorrent reference in a browser page: webtorrent's own browser build
 * (node_modules/webtorrent/dist/webtorrent.min.js, served by chromium.ts), its WebRTC the page's
 * RTCPeerConnection, meeting the other end through the harness's WebSocket tracker only. The
 * seeder seeds the files of an OPFS folder (File objects, read where they lie); the downloader,
 * given only the magnet link, keeps them in webtorrent's default browser store (OPFS too). It
 * reports `connected` (first wire, with its type) and `done` through `benchEvent`; `torrentTree`
 * then reads every file back for the byte-for-byte check.
 */
import type { Page } from 'playwright';
import { BENCH_WEBTORRENT } from './chromium';

interface Seeding {
  readonly magnet: string;
  readonly name: string;
}

/**
 * Seeds the OPFS folder `folder` announcing to `tracker`: one file as itself, several as a
 * torrent folder named `name`.
 */
export function webTorrentSeed(
  page: Page,
  folder: string,
  name: string,
  tracker: string,
): Promise<Seeding> {
  return page.evaluate(
    async ({ folder, name, tracker, script }) => {
      const files: File[] = [];
      const walk = async (dir: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
        for await (const [entry, handle] of (
          dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
        ).entries()) {
          if (entry.startsWith('.')) continue;
          if (handle.kind === 'directory') {
            await walk(handle as FileSystemDirectoryHandle, `${prefix}${entry}/`);
          } else {
            const file = await (handle as FileSystemFileHandle).getFile();
            // create-torrent takes a File's path from `fullPath` and drops a common first part
            // (then the torrent's name): `name` first keeps d0/... whole.
            files.push(Object.assign(file, { fullPath: `${name}/${prefix}${entry}` }));
          }
        }
      };
      const root = await navigator.storage.getDirectory();
      await walk(await root.getDirectoryHandle(folder), '');
      type Torrent = { magnetURI: string; name: string };
      type Client = { seed(f: File[], o: object, cb: (t: Torrent) => void): void };
      const { default: WebTorrent } = (await import(script)) as {
        default: new () => Client & { on(e: string, f: (err: Error) => void): void };
      };
      const client = new WebTorrent();
      Object.assign(window, { benchClient: client });
      return new Promise<Seeding>((resolve, reject) => {
        client.on('error', reject);
        const one = files.length === 1 ? files[0]! : undefined;
        const input = one ? [new File([one], one.name)] : files;
        client.seed(input, { name: one ? one.name : name, announce: [tracker] }, (t) =>
          resolve({ magnet: t.magnetURI, name: t.name }),
        );
      });
    },
    { folder, name, tracker, script: BENCH_WEBTORRENT },
  );
}

/** Starts downloading `magnet`; the page reports `connected` and `done` by `benchEvent`. */
export async function webTorrentFetch(page: Page, magnet: string): Promise<void> {
  await page.evaluate(
    async ({ magnet, script }) => {
      const say = (e: Record<string, unknown>): void =>
        void (window as unknown as { benchEvent(e: unknown): void }).benchEvent(e);
      type Torrent = { once(e: string, f: (x: { type?: string }) => void): void; length: number };
      type Client = {
        add(m: string, o: object): Torrent;
        on(e: string, f: (err: Error) => void): void;
      };
      const { default: WebTorrent } = (await import(script)) as { default: new () => Client };
      const client = new WebTorrent();
      client.on('error', (err) => say({ event: 'error', message: err.message }));
      const torrent = client.add(magnet, {});
      Object.assign(window, { benchTorrent: torrent });
      torrent.once('wire', (wire) => say({ event: 'connected', type: wire.type }));
      torrent.once('done', () => say({ event: 'done', bytes: torrent.length }));
    },
    { magnet, script: BENCH_WEBTORRENT },
  );
}

/**
 * The downloaded torrent's files in e2e's opfsTree shape (path -> `size:sha256`, the torrent's
 * folder name taken off), files only.
 */
export function torrentTree(page: Page): Promise<Record<string, string>> {
  return page.evaluate(async () => {
    type TorrentFile = { path: string; length: number; arrayBuffer(): Promise<ArrayBuffer> };
    const torrent = (window as unknown as { benchTorrent: { name: string; files: TorrentFile[] } })
      .benchTorrent;
    const out: Record<string, string> = {};
    for (const file of torrent.files) {
      const bytes = await file.arrayBuffer();
      const digest = await crypto.subtle.digest('SHA-256', bytes);
      const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0'));
      const inFolder = file.path.startsWith(`${torrent.name}/`);
      const path = inFolder ? file.path.slice(torrent.name.length + 1) : file.path;
      out[path] = `${bytes.byteLength}:${hex.join('')}`;
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
  });
}
