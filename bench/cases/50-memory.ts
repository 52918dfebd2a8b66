/**
 * Memory while syncing a 1 GiB random file (full runs only): peak resident set size (VmHWM from
 * /proc) of the sender, which scans and seals the file, and of a fresh receiver, which fetches
 * and writes it, beside the file's own size. Streaming keeps both far below it.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compare, mbPerS, MiB, scaled, sizeLabel, type BenchCase } from '../lib/case';
import { assertSameTree, writeRandomFile } from '../lib/data';
import { dataDir, genShare, receive, startSender } from '../lib/peerfold';

/** "Far below the file size": a quarter of it at most. */
const BOUND = 0.25;

const memory: BenchCase = {
  name: 'memory',
  fullOnly: true,
  async run(ctx) {
    const size = scaled(ctx, 1024 * MiB, MiB);
    const src = join(ctx.tmp, 'src');
    const dst = join(ctx.tmp, 'dst');
    await mkdir(dst, { recursive: true });
    await writeRandomFile(join(src, 'huge.bin'), size);
    const caps = await genShare(src);
    ctx.log(` sender scan of ${sizeLabel(size)}`);
    const profile = ctx.profileDir && join(ctx.profileDir, 'memory');
    const sender = await startSender(caps, src, dataDir(ctx.tmp, 'sender'), profile);
    let peak = { sender: 0, receiver: 0 };
    let rate = '';
    try {
      ctx.log(' receiving');
      const peer = `127.0.0.1:${sender.port}`;
      const r = await receive(caps, dst, dataDir(ctx.tmp, 'receiver'), peer, sender.root, profile);
      peak = { sender: sender.proc.peakRss(), receiver: r.proc.peakRss() };
      rate = `${mbPerS(size, r.doneAt - r.connectedAt).value.toFixed(1)} MB/s from first peer`;
      await r.proc.stop();
      await assertSameTree(src, dst, 'Peerfold 1 GiB');
    } finally {
      await sender.proc.stop();
    }
    const file = { name: 'the file', value: size, unit: 'B' };
    return (['sender', 'receiver'] as const).map((who) =>
      compare(
        {
          id: `memory.${who}`,
          label: `Peak RSS of the ${who} syncing a ${sizeLabel(size)} file`,
          peerfold: { value: peak[who], unit: 'B' },
          reference: file,
          target: `bounded: <= ${BOUND}× the file`,
          note: who === 'receiver' ? rate : 'scan and seal, then serve',
        },
        (ratio) => ratio <= BOUND,
      ),
    );
  },
};

export default memory;
