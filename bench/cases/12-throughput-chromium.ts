/**
 * Throughput to a fresh receiver, Chromium <-> Chromium over WebRTC on loopback: two browser
 * processes, the sender's random data written into its origin-private folder inside the page.
 * The raw data channel (two pages, plain RTCPeerConnection signalled through the harness), then
 * Peerfold (the built app: a share made on the sender's page, its Read link opened in a fresh
 * browser, both met through the real signaling server's tracker), then WebTorrent (its browser
 * build, through the same tracker), one after the other; every receiver in a fresh browser, its
 * folder checked byte for byte against the sender's.
 */
import { type BenchCase, type Row } from '../lib/case';
import { buildAppIfStale, startAppServer } from '../lib/app-server';
import { appReceive, appSender } from '../lib/browser-peerfold';
import { BENCH_PAGE, BenchBrowser } from '../lib/chromium';
import { opfsTree, writeOpfsFiles } from '../lib/opfs';
import { rawRtcTwice, webTorrentRtc, type Timing } from '../lib/references-rtc';
import {
  pageRawReceiver,
  pageRawSender,
  pageTorrentFetcher,
  pageTorrentSeeder,
} from '../lib/rtc-ends';
import { logTiming, rtcDataSets, rtcRows, withWebTorrent } from '../lib/rtc-rows';

const PATH = { key: 'chromium-chromium', label: 'Chromium-Chromium WebRTC' };
const SENT = 'Sent';

const throughputChromium: BenchCase = {
  name: 'throughput-chromium',
  async run(ctx) {
    buildAppIfStale((m) => ctx.log(m));
    const server = await startAppServer(true, ctx.tmp);
    const fresh = (label: string) => BenchBrowser.launch(label, server.url);
    const rows: Row[] = [];
    const log = (m: string) => ctx.log(m);
    try {
      for (const set of rtcDataSets(ctx)) {
        const sender = await fresh('sender');
        try {
          const writer = await sender.page(BENCH_PAGE);
          await writeOpfsFiles(writer, SENT, set.files);
          const want = await opfsTree(writer, SENT);
          await writer.close();
          const run = async (name: string, f: () => Promise<Timing>) => {
            ctx.log(` ${set.key}: ${name}`);
            const t = await f();
            sender.assertNoErrors();
            logTiming(ctx, name, set.bytes, t);
            return t;
          };
          const raw = await run('raw', () =>
            rawRtcTwice(
              async () => [
                pageRawSender(sender, SENT),
                await pageRawReceiver(await fresh('raw'), want),
              ],
              (m) => ctx.log(m),
            ),
          );
          const pf = await run('peerfold', async () => {
            const app = await appSender(sender, SENT, set.files.length, { log });
            ctx.log(`  sender scanned in ${(app.scanMs / 1000).toFixed(1)} s`);
            const receiver = await fresh('receiver');
            try {
              const r = await appReceive(receiver, app.links.read, 'Received', want, { log });
              return {
                connectMs: r.connectedAt - r.startedAt,
                fromConnectMs: r.doneAt - r.connectedAt,
                fromStartMs: r.doneAt - r.startedAt,
              };
            } finally {
              await receiver.close();
              await app.page.close();
            }
          });
          const wt = withWebTorrent(ctx)
            ? await run('webtorrent', async () =>
                webTorrentRtc(
                  pageTorrentSeeder(sender, SENT, server.tracker),
                  await pageTorrentFetcher(await fresh('webtorrent'), want),
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

export default throughputChromium;
