/**
 * The transfer references, each run as two child processes moving the same folder over loopback
 * TCP: the raw socket (raw-tcp-peer.ts) and WebTorrent (webtorrent-peer.ts). Times are stamped
 * by the harness on the receiving process's events, as for Peerfold; the tree is checked after.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertSameTree } from './data';
import { Proc } from './proc';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const tsx = (script: string, ...args: string[]): string[] => [
  '--import',
  'tsx',
  here(script),
  ...args,
];

export interface Transfer {
  /** Receiver spawn to done (ms). */
  readonly fromStartMs: number;
  /** First connection to done (ms). */
  readonly fromConnectMs: number;
  /** Receiver spawn to its first connection (ms). */
  readonly connectMs: number;
  /** Peak RSS of sender and receiver (bytes). */
  readonly rss: { readonly sender: number; readonly receiver: number };
}

/** Raw TCP: `src` streamed file by file into the empty folder `dst`. */
export async function rawTcp(src: string, dst: string): Promise<Transfer> {
  const sender = new Proc('raw sender', tsx('raw-tcp-peer.ts', 'serve', src));
  let receiver: Proc | undefined;
  try {
    const listening = await sender.waitFor((e) => e.event === 'listening', 'listening');
    receiver = new Proc(
      'raw receiver',
      tsx('raw-tcp-peer.ts', 'fetch', dst, String(listening.data.port)),
    );
    const connected = await receiver.waitFor((e) => e.event === 'connected', 'connection');
    const done = await receiver.waitFor((e) => e.event === 'done', 'done', { timeoutMs: 600_000 });
    const rss = { sender: sender.peakRss(), receiver: receiver.peakRss() };
    await assertSameTree(src, dst, 'raw TCP');
    return {
      fromStartMs: done.at - receiver.spawnedAt,
      fromConnectMs: done.at - connected.at,
      connectMs: connected.at - receiver.spawnedAt,
      rss,
    };
  } finally {
    await Promise.all([sender.stop(), receiver?.stop()]);
  }
}

/** WebTorrent: `src` seeded by one process, fetched into the empty folder `dst` by another. */
export async function webTorrent(src: string, dst: string): Promise<Transfer> {
  const seeder = new Proc('webtorrent seeder', tsx('webtorrent-peer.ts', 'seed', src));
  let fetcher: Proc | undefined;
  try {
    const seeding = await seeder.waitFor((e) => e.event === 'seeding', 'seeding', {
      timeoutMs: 600_000,
    });
    const { magnet, port, name } = seeding.data as unknown as Record<string, string>;
    fetcher = new Proc(
      'webtorrent fetcher',
      tsx('webtorrent-peer.ts', 'fetch', magnet!, dst, port!),
    );
    const connected = await fetcher.waitFor((e) => e.event === 'connected', 'a wire', {
      timeoutMs: 60_000,
    });
    const done = await fetcher.waitFor((e) => e.event === 'done', 'done', { timeoutMs: 900_000 });
    const rss = { sender: seeder.peakRss(), receiver: fetcher.peakRss() };
    await assertSameTree(src, join(dst, name!), 'WebTorrent');
    return {
      fromStartMs: done.at - fetcher.spawnedAt,
      fromConnectMs: done.at - connected.at,
      connectMs: connected.at - fetcher.spawnedAt,
      rss,
    };
  } finally {
    await Promise.all([seeder.stop(), fetcher?.stop()]);
  }
}

/** WebTorrent downloaders started `tries` times against one seeder: ms from spawn to first wire. */
export async function webTorrentConnectTimes(
  src: string,
  tmp: string,
  tries: number,
): Promise<number[]> {
  const seeder = new Proc('webtorrent seeder', tsx('webtorrent-peer.ts', 'seed', src));
  const times: number[] = [];
  try {
    const seeding = await seeder.waitFor((e) => e.event === 'seeding', 'seeding');
    const { magnet, port } = seeding.data as unknown as Record<string, string>;
    for (let i = 0; i < tries; i++) {
      const dst = join(tmp, `webtorrent-${i}`);
      const fetcher = new Proc(
        'webtorrent fetcher',
        tsx('webtorrent-peer.ts', 'fetch', magnet!, dst, port!),
      );
      try {
        const e = await fetcher.waitFor((d) => d.event === 'connected', 'a wire', {
          timeoutMs: 60_000,
        });
        times.push(e.at - fetcher.spawnedAt);
      } finally {
        await fetcher.stop();
      }
    }
  } finally {
    await seeder.stop();
  }
  return times;
}
