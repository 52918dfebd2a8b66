/**
 * Throughput to a fresh receiver, Chromium -> Node over WebRTC on loopback: a browser sends the
 * random data written into its origin-private folder inside the page, a fresh Node process
 * receives it into a folder on disk. The raw data channel (a page and a node-datachannel
 * process, signalled through the harness), then Peerfold (the built app sharing the folder, a
 * `peerfold share --webrtc-only` process given its Read link, met through the real signaling
 * server's tracker), then WebTorrent (its browser build seeding, the `webtorrent` package
 * downloading in Node), one after the other, each received folder checked byte for byte.
 *
 * Chromium sends because WebTorrent cannot go the other way here: seeding in Node (simple-peer
 * on node-datachannel) to its browser build, ICE connects but the data channel never opens.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type BenchCase, type Row } from '../lib/case';
import { buildAppIfStale, startAppServer } from '../lib/app-server';
import { appSender } from '../lib/browser-peerfold';
import { BENCH_PAGE, BenchBrowser } from '../lib/chromium';
import { assertTreeIs } from '../lib/data';
import { opfsTree, writeOpfsFiles } from '../lib/opfs';
import { receiveWebRtc } from '../lib/peerfold-webrtc';
import {
  nodeRawReceiver,
  nodeTorrentFetcher,
  rawRtcTwice,
  webTorrentRtc,
  type Timing,
} from '../lib/references-rtc';
import { pageRawSender, pageTorrentSeeder } from '../lib/rtc-ends';
import { logTiming, rtcDataSets, rtcRows, withWebTorrent } from '../lib/rtc-rows';

const PATH = { key: 'chromium-node', label: 'Chromium-Node WebRTC (Chromium sends)' };
const SENT = 'Sent';

const throughputChromiumNode: BenchCase = {
  name: 'throughput-chromium-node',
  async run(ctx) {
    buildAppIfStale((m) => ctx.log(m));
    const server = await startAppServer(true, ctx.tmp);
    const rows: Row[] = [];
    try {
      for (const set of rtcDataSets(ctx)) {
        const sender = await BenchBrowser.launch('sender', server.url);
        try {
          const writer = await sender.page(BENCH_PAGE);
          await writeOpfsFiles(writer, SENT, set.files);
          const want = await opfsTree(writer, SENT);
          await writer.close();
          const run = async (name: string, f: (dst: string) => Promise<Timing>) => {
            ctx.log(` ${set.key}: ${name}`);
            const dst = join(ctx.tmp, `${set.key}-${name}`);
            await mkdir(dst, { recursive: true });
            const t = await f(dst);
            sender.assertNoErrors();
            await rm(dst, { recursive: true, force: true });
            logTiming(ctx, name, set.bytes, t);
            return t;
          };
          const raw = await run('raw', (dst) =>
            rawRtcTwice(
              () => [pageRawSender(sender, SENT), nodeRawReceiver(dst, want)],
              (m) => ctx.log(m),
            ),
          );
          const pf = await run('peerfold', async (dst) => {
            const app = await appSender(sender, SENT, set.files.length, {
              log: (m) => ctx.log(m),
            });
            ctx.log(`  sender scanned in ${(app.scanMs / 1000).toFixed(1)} s`);
            const folder = join(dst, 'folder');
            await mkdir(folder);
            try {
              const data = join(dst, 'data');
              const r = await receiveWebRtc(app.links.read, folder, data, server.tracker, want);
              await r.proc.stop();
              await assertTreeIs(folder, want, 'Peerfold, Chromium to Node');
              return {
                connectMs: r.connectedAt - r.proc.spawnedAt,
                fromConnectMs: r.doneAt - r.connectedAt,
                fromStartMs: r.doneAt - r.proc.spawnedAt,
              };
            } finally {
              await app.page.close();
            }
          });
          const wt = withWebTorrent(ctx)
            ? await run('webtorrent', (dst) =>
                webTorrentRtc(
                  pageTorrentSeeder(sender, SENT, server.tracker),
                  nodeTorrentFetcher(dst, want),
                ),
              )
            : undefined;
          rows.push(...rtcRows(PATH, set, { peerfold: pf, raw, webtorrent: wt }));
        } finally {
          await sender.close();
        }
      }
    } finally {
      await server.close();
    }
    return rows;
  },
};

export default throughputChromiumNode;
