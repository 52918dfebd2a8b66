/**
 * Throughput to a fresh receiver, Node <-> Node over loopback TCP: the same random data (one
 * file, then many) moved by raw TCP, by Peerfold (two `peerfold share` processes, --peer) and by
 * WebTorrent, one after the other in the same run. Peerfold's time runs from the receiver's
 * spawn (or its first `peer connected` event) to its index root equalling the sender's; each
 * tree is checked byte for byte after its transfer.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  compare,
  mbPerS,
  MiB,
  scaled,
  sizeLabel,
  type BenchCase,
  type BenchContext,
  type Row,
} from '../lib/case';
import { assertSameTree, writeRandomFile, writeRandomTree } from '../lib/data';
import { dataDir, genShare, receive, startSender } from '../lib/peerfold';
import { rawTcp, webTorrent, type Transfer } from '../lib/references';

interface DataSet {
  readonly key: string;
  readonly label: string;
  readonly write: (dir: string) => Promise<number>;
}

function dataSets(ctx: BenchContext): DataSet[] {
  const total = scaled(ctx, (ctx.quick ? 32 : 256) * MiB);
  const files = scaled(ctx, ctx.quick ? 250 : 2000, 2);
  const size = sizeLabel(total);
  const mark = ctx.quick ? ' (quick)' : '';
  return [
    {
      key: '1-file',
      label: `${size} in 1 file${mark}`,
      write: async (dir) => (await writeRandomFile(join(dir, 'data.bin'), total), total),
    },
    {
      key: `${files}-files`,
      label: `${size} in ${files} files${mark}`,
      write: (dir) => writeRandomTree(dir, files, total),
    },
  ];
}

async function peerfold(
  ctx: BenchContext,
  src: string,
  dst: string,
  tag: string,
): Promise<Transfer> {
  const caps = await genShare(src);
  const profile = ctx.profileDir && join(ctx.profileDir, tag);
  const sender = await startSender(caps, src, dataDir(dst, 'sender'), profile);
  ctx.log(
    `  sender scanned in ${((sender.readyAt.at - sender.proc.spawnedAt) / 1000).toFixed(1)} s`,
  );
  await mkdir(join(dst, 'folder'), { recursive: true });
  try {
    const r = await receive(
      caps,
      join(dst, 'folder'),
      dataDir(dst, 'receiver'),
      `127.0.0.1:${sender.port}`,
      sender.root,
      profile,
    );
    const rss = { sender: sender.proc.peakRss(), receiver: r.proc.peakRss() };
    await r.proc.stop();
    await assertSameTree(src, join(dst, 'folder'), 'Peerfold');
    return {
      fromStartMs: r.doneAt - r.proc.spawnedAt,
      fromConnectMs: r.doneAt - r.connectedAt,
      connectMs: r.connectedAt - r.proc.spawnedAt,
      rss,
    };
  } finally {
    await sender.proc.stop();
  }
}

const throughput: BenchCase = {
  name: 'throughput',
  async run(ctx) {
    const rows: Row[] = [];
    for (const set of dataSets(ctx)) {
      const src = join(ctx.tmp, `${set.key}-src`);
      await mkdir(src, { recursive: true });
      const bytes = await set.write(src);
      const run = async (
        name: string,
        f: (dst: string) => Promise<Transfer>,
      ): Promise<Transfer> => {
        ctx.log(` ${set.key}: ${name}`);
        const dst = join(ctx.tmp, `${set.key}-${name}`);
        await mkdir(dst, { recursive: true });
        const t = await f(dst);
        await rm(dst, { recursive: true, force: true });
        const mbs = (ms: number): string => mbPerS(bytes, ms).value.toFixed(1);
        ctx.log(`  ${mbs(t.fromConnectMs)} MB/s from connect, ${mbs(t.fromStartMs)} from start`);
        return t;
      };
      const raw = await run('raw', (dst) => rawTcp(src, dst));
      const pf = await run('peerfold', (dst) => peerfold(ctx, src, dst, set.key));
      const wt = await run('webtorrent', (dst) => webTorrent(src, dst));
      await rm(src, { recursive: true, force: true });

      const note = `receiver spawn to first peer: Peerfold ${(pf.connectMs / 1000).toFixed(1)} s, WebTorrent ${(wt.connectMs / 1000).toFixed(1)} s`;
      for (const [span, pick] of [
        ['from first peer', (t: Transfer) => t.fromConnectMs],
        ['from receiver start', (t: Transfer) => t.fromStartMs],
      ] as const) {
        const spanKey = span === 'from first peer' ? 'from-connect' : 'from-start';
        const label = `Throughput Node-Node TCP, ${set.label}, ${span}`;
        const peerfoldFigure = mbPerS(bytes, pick(pf));
        rows.push(
          compare(
            {
              id: `throughput.${set.key}.${spanKey}.raw`,
              label,
              peerfold: peerfoldFigure,
              reference: { name: 'raw TCP', ...mbPerS(bytes, pick(raw)) },
              target: '>= 70 % of raw',
              note: spanKey === 'from-connect' ? undefined : note,
            },
            (ratio) => ratio >= 0.7,
          ),
          compare({
            id: `throughput.${set.key}.${spanKey}.webtorrent`,
            label,
            peerfold: peerfoldFigure,
            reference: { name: 'WebTorrent', ...mbPerS(bytes, pick(wt)) },
          }),
        );
      }
    }
    return rows;
  },
};

export default throughput;
