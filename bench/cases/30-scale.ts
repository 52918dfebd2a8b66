/**
 * A folder of 100 000 small files (2 000 in quick mode, or --files N): the sender's first scan, the initial
 * sync to a fresh receiver (beside rsync pushing the folder into an empty daemon folder), the
 * traffic and latency of a one-file change (beside rsync pushing the same change), and the
 * rescan of the unchanged folder when the share starts again (beside a bare Node walk that
 * lstat()s every entry: the floor of any rescan). Peerfold's bytes are counted by a relay.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, lstat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compare, scaled, seconds, type BenchCase, type Row } from '../lib/case';
import { assertSameTree } from '../lib/data';
import { dataDir, genShare, receive, startSender, waitNewRoot, waitRoot } from '../lib/peerfold';
import { countingProxy } from '../lib/proxy';
import { startRsyncDaemon } from '../lib/rsync';

const FILE_SIZE = 256;
const SETTLE_MS = 1_500;

async function writeSmallFiles(root: string, count: number): Promise<void> {
  for (let d = 0; d * 100 < count; d++) {
    const dir = join(root, `d${d}`);
    await mkdir(dir, { recursive: true });
    const files = [];
    for (let i = d * 100; i < Math.min(count, (d + 1) * 100); i++) {
      files.push(writeFile(join(dir, `f${i}.txt`), randomBytes(FILE_SIZE)));
    }
    await Promise.all(files);
  }
}

/** Walks `root` with readdir + lstat of every entry; returns the time taken (ms). */
async function walk(root: string): Promise<number> {
  const t0 = performance.now();
  const visit = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      await lstat(full);
      if (e.isDirectory()) await visit(full);
    }
  };
  await visit(root);
  return performance.now() - t0;
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

const scale: BenchCase = {
  name: 'scale',
  async run(ctx) {
    const count = ctx.files ?? scaled(ctx, ctx.quick ? 2_000 : 100_000, 200);
    const what = `${count.toLocaleString('en')}-file folder${ctx.quick ? ' (quick)' : ''}`;
    const src = join(ctx.tmp, 'src');
    const dst = join(ctx.tmp, 'dst');
    await mkdir(dst, { recursive: true });
    ctx.log(` writing ${count} files`);
    await writeSmallFiles(src, count);
    const rows: Row[] = [];
    const rsync = await startRsyncDaemon(ctx.tmp);
    const caps = await genShare(src);
    const profile = ctx.profileDir && join(ctx.profileDir, 'scale');
    let sender = await startSender(caps, src, dataDir(ctx.tmp, 'sender'), profile);
    const proxy = await countingProxy(sender.port);
    let receiver;
    try {
      const scanMs = sender.readyAt.at - sender.proc.spawnedAt;
      ctx.log(` first scan ${(scanMs / 1000).toFixed(1)} s; initial sync`);
      const peer = `127.0.0.1:${proxy.port}`;
      receiver = await receive(caps, dst, dataDir(ctx.tmp, 'receiver'), peer, sender.root, profile);
      const syncMs = receiver.doneAt - receiver.proc.spawnedAt;
      const syncBytes = proxy.total();
      await assertSameTree(src, dst, 'Peerfold initial sync');
      const first = await rsync.push(`${src}/`);
      rows.push(
        compare({
          id: 'scale.initial-sync',
          label: `Initial sync of a ${what} to a fresh receiver, from receiver start`,
          peerfold: seconds(syncMs),
          reference: { name: 'rsync to an empty folder', ...seconds(first.ms) },
          note: `sender's first scan ${(scanMs / 1000).toFixed(1)} s; wire bytes Peerfold ${mib(syncBytes)}, rsync ${mib(first.bytes)}`,
        }),
      );

      ctx.log(' one-file change');
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const before = proxy.total();
      const senderAfter = sender.proc.events.length;
      const receiverAfter = receiver.proc.events.length;
      const t0 = performance.now();
      const changed = join(
        src,
        `d${Math.floor(count / 200)}`,
        `f${Math.floor(count / 200) * 100}.txt`,
      );
      await writeFile(changed, randomBytes(FILE_SIZE));
      const published = await waitNewRoot(sender, senderAfter);
      const done = await waitRoot(receiver.proc, sender.root, receiverAfter);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const bytes = proxy.total() - before;
      await assertSameTree(src, dst, 'Peerfold after the one-file change');
      const change = await rsync.push(`${src}/`);
      rows.push(
        compare(
          {
            id: 'scale.one-file-change.bytes',
            label: `Wire bytes for a one-file change (${FILE_SIZE} B file) in a ${what}`,
            peerfold: { value: bytes, unit: 'B' },
            reference: { name: 'rsync --stats', value: change.bytes, unit: 'B' },
            target: '<= 64 KiB',
            note: 'Peerfold: index, head and the file itself, both ways',
          },
          (_, value) => value <= 64 * 1024,
        ),
        compare({
          id: 'scale.one-file-change.latency',
          label: `One-file change in a ${what}: written in A to complete in B`,
          peerfold: seconds(done.at - t0),
          reference: { name: 'one rsync run', ...seconds(change.ms) },
          note: `the sender published it after ${((published.at - t0) / 1000).toFixed(1)} s`,
        }),
      );
      const rss = `peak RSS sender ${mib(sender.proc.peakRss())}, receiver ${mib(receiver.proc.peakRss())}`;
      await receiver.proc.stop();

      ctx.log(' rescan of the unchanged folder');
      await sender.proc.stop();
      sender = await startSender(caps, src, dataDir(ctx.tmp, 'sender'), profile);
      const rescanMs = sender.readyAt.at - sender.proc.spawnedAt;
      const walkMs = await walk(src);
      rows.push(
        compare(
          {
            id: 'scale.rescan',
            label: `Rescan of an unchanged ${what}: share start to up to date`,
            peerfold: seconds(rescanMs),
            reference: { name: 'Node readdir + lstat walk', ...seconds(walkMs) },
            target: '< 60 s (seconds, not minutes)',
            note: `includes process start; ${rss}`,
          },
          (_, value) => value < 60,
        ),
      );
    } finally {
      await receiver?.proc.stop();
      await sender.proc.stop();
      await proxy.close();
      await rsync.close();
    }
    return rows;
  },
};

export default scale;
