/**
 * Time to the first peer on loopback: from the spawn of a `peerfold share --peer` process to its
 * `peer connected` event (the peer has proved it holds the share), beside WebTorrent's
 * downloader from spawn to its first wire with the seeder added as a peer. Each side connects
 * to an already running peer holding a small folder; the median of several starts is kept.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { compare, seconds, type BenchCase } from '../lib/case';
import { writeRandomTree } from '../lib/data';
import type { Proc } from '../lib/proc';
import { dataDir, genShare, startSender, startShare } from '../lib/peerfold';
import { webTorrentConnectTimes } from '../lib/references';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const firstPeer: BenchCase = {
  name: 'first-peer',
  async run(ctx) {
    const tries = ctx.quick ? 3 : 5;
    const src = join(ctx.tmp, 'src');
    await writeRandomTree(src, 10, 1 << 20);
    const caps = await genShare(src);
    const sender = await startSender(caps, src, dataDir(ctx.tmp, 'sender'));
    const peerfold: number[] = [];
    try {
      for (let i = 0; i < tries; i++) {
        const dir = join(ctx.tmp, `dst-${i}`);
        await mkdir(dir, { recursive: true });
        const proc: Proc = startShare({
          name: 'receiver',
          capability: caps.read,
          dir,
          data: dataDir(ctx.tmp, `receiver-${i}`),
          peer: `127.0.0.1:${sender.port}`,
        });
        try {
          const e = await proc.waitFor(
            (d) => d.event === 'peer' && d.action === 'connected',
            'peer connected',
            {
              timeoutMs: 60_000,
            },
          );
          peerfold.push(e.at - proc.spawnedAt);
        } finally {
          await proc.stop();
          await rm(dir, { recursive: true, force: true });
        }
      }
    } finally {
      await sender.proc.stop();
    }
    const webtorrent = await webTorrentConnectTimes(src, ctx.tmp, tries);
    ctx.log(
      `  Peerfold ${peerfold.map((ms) => Math.round(ms)).join(', ')} ms; WebTorrent ${webtorrent.map((ms) => Math.round(ms)).join(', ')} ms`,
    );
    return [
      compare(
        {
          id: 'first-peer.loopback',
          label: `First peer connected on loopback with --peer: process spawn to peer proven (median of ${tries})`,
          peerfold: seconds(median(peerfold)),
          reference: { name: 'WebTorrent, spawn to first wire', ...seconds(median(webtorrent)) },
          target: '< 3 s',
          note: `Peerfold min ${(Math.min(...peerfold) / 1000).toFixed(2)} s, max ${(Math.max(...peerfold) / 1000).toFixed(2)} s`,
        },
        (_, value) => value < 3,
      ),
    ];
  },
};

export default firstPeer;
