/**
 * Throughput to a fresh receiver, Node <-> Node over WebRTC (node-datachannel), every pair
 * introduced by the real signaling server's tracker on loopback: the raw data channel (two Node
 * processes, signalled through the harness), Peerfold (two `peerfold share --webrtc-only`
 * processes) and WebTorrent (two processes, the `webtorrent` package with the same WebRTC), one
 * after the other in the same run, each tree checked byte for byte after its transfer.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { snapshotFolder } from '../../test/helpers/folders';
import { type BenchCase, type BenchContext, type Row } from '../lib/case';
import { assertSameTree, writeRandomFile } from '../lib/data';
import { startAppServer } from '../lib/app-server';
import { dataDir, genShare } from '../lib/peerfold';
import { receiveWebRtc, startWebRtcSender } from '../lib/peerfold-webrtc';
import {
  nodeRawReceiver,
  nodeRawSender,
  nodeTorrentFetcher,
  nodeTorrentSeeder,
  rawRtcTwice,
  webTorrentRtc,
  type Timing,
} from '../lib/references-rtc';
import { logTiming, rtcDataSets, rtcRows, withWebTorrent } from '../lib/rtc-rows';

const PATH = { key: 'node-node-webrtc', label: 'Node-Node WebRTC' };

async function peerfold(
  ctx: BenchContext,
  src: string,
  dst: string,
  tracker: string,
): Promise<Timing> {
  const caps = await genShare(src);
  const profile = ctx.profileDir && join(ctx.profileDir, PATH.key);
  const sender = await startWebRtcSender(caps, src, dataDir(dst, 'sender'), tracker, profile);
  const folder = join(dst, 'folder');
  await mkdir(folder, { recursive: true });
  try {
    const r = await receiveWebRtc(
      caps.read,
      folder,
      dataDir(dst, 'receiver'),
      tracker,
      sender.root,
      profile,
    );
    await r.proc.stop();
    await assertSameTree(src, folder, 'Peerfold over WebRTC');
    return {
      connectMs: r.connectedAt - r.proc.spawnedAt,
      fromConnectMs: r.doneAt - r.connectedAt,
      fromStartMs: r.doneAt - r.proc.spawnedAt,
    };
  } finally {
    await sender.proc.stop();
  }
}

const throughputWebRtc: BenchCase = {
  name: 'throughput-webrtc',
  async run(ctx) {
    const rows: Row[] = [];
    const server = await startAppServer(false, ctx.tmp);
    try {
      for (const set of rtcDataSets(ctx)) {
        const src = join(ctx.tmp, `${set.key}-src`);
        for (const f of set.files) await writeRandomFile(join(src, f.path), f.size);
        const want = await snapshotFolder(src);
        const run = async (name: string, f: (dst: string) => Promise<Timing>) => {
          ctx.log(` ${set.key}: ${name}`);
          const dst = join(ctx.tmp, `${set.key}-${name}`);
          await mkdir(dst, { recursive: true });
          const t = await f(dst);
          await rm(dst, { recursive: true, force: true });
          logTiming(ctx, name, set.bytes, t);
          return t;
        };
        const raw = await run('raw', (dst) =>
          rawRtcTwice(
            () => [nodeRawSender(src), nodeRawReceiver(dst, want)],
            (m) => ctx.log(m),
          ),
        );
        const pf = await run('peerfold', (dst) => peerfold(ctx, src, dst, server.tracker));
        const wt = withWebTorrent(ctx)
          ? await run('webtorrent', (dst) =>
              webTorrentRtc(nodeTorrentSeeder(src, server.tracker), nodeTorrentFetcher(dst, want)),
            )
          : undefined;
        await rm(src, { recursive: true, force: true });
        rows.push(...rtcRows(PATH, set, { peerfold: pf, raw, webtorrent: wt }));
      }
    } finally {
      await server.close();
    }
    return rows;
  },
};

export default throughputWebRtc;
