/**
 * Bytes on the wire for small edits of a 64 MiB random file (16 MiB in quick mode), Peerfold beside rsync. Peerfold:
 * a sender and a receiver already in sync, connected through a byte-counting relay (proxy.ts);
 * each edit is made in the sender's folder, and the figure is every byte the relay moved (both
 * ways) from the edit until the receiver's root equals the sender's new one, plus a short
 * settling time for the last credit messages. rsync: the same folder pushed with --stats into a
 * local rsync daemon holding the previous version (the delta algorithm over a socket).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { compare, MiB, scaled, sizeLabel, type BenchCase, type Row } from '../lib/case';
import { assertSameTree, writeRandomFile } from '../lib/data';
import { dataDir, genShare, receive, startSender, waitNewRoot, waitRoot } from '../lib/peerfold';
import { countingProxy } from '../lib/proxy';
import { startRsyncDaemon } from '../lib/rsync';

/** Time left for trailing messages (credit grants) after the receiver reports the root. */
const SETTLE_MS = 1_500;

interface Edit {
  readonly key: string;
  readonly label: string;
  /** Makes the edit in `dir` (where the file is `name`); returns the file's new name. */
  readonly apply: (dir: string, name: string, scratch: string) => Promise<string>;
}

const EDITS: readonly Edit[] = [
  {
    key: 'byte-in-middle',
    label: '1 byte changed in the middle',
    apply: async (dir, name) => {
      const file = await open(join(dir, name), 'r+');
      const { size } = await file.stat();
      const byte = Buffer.alloc(1);
      await file.read(byte, 0, 1, Math.floor(size / 2));
      byte[0] = byte[0]! ^ 0xff;
      await file.write(byte, 0, 1, Math.floor(size / 2));
      await file.close();
      return name;
    },
  },
  {
    key: 'append',
    label: '1 KiB appended',
    apply: async (dir, name) => (await appendFile(join(dir, name), randomBytes(1024)), name),
  },
  {
    key: 'insert-at-start',
    label: '1 KiB inserted at the start',
    apply: async (dir, name, scratch) => {
      // Written aside and renamed in, so no half-written file is ever seen.
      const temp = join(scratch, 'insert.tmp');
      const out = createWriteStream(temp);
      out.write(randomBytes(1024));
      await pipeline(createReadStream(join(dir, name)), out);
      await rename(temp, join(dir, name));
      return name;
    },
  },
  {
    key: 'rename',
    label: 'file renamed',
    apply: async (dir, name) => (
      await rename(join(dir, name), join(dir, 'renamed.bin')),
      'renamed.bin'
    ),
  },
];

const delta: BenchCase = {
  name: 'delta',
  async run(ctx) {
    const size = scaled(ctx, (ctx.quick ? 16 : 64) * MiB, MiB);
    const src = join(ctx.tmp, 'src');
    const dst = join(ctx.tmp, 'dst');
    await mkdir(dst, { recursive: true });
    let name = 'big.bin';
    await writeRandomFile(join(src, name), size);
    const rsync = await startRsyncDaemon(ctx.tmp);
    const caps = await genShare(src);
    const profile = ctx.profileDir && join(ctx.profileDir, 'delta');
    const sender = await startSender(caps, src, dataDir(ctx.tmp, 'sender'), profile);
    const proxy = await countingProxy(sender.port);
    let receiver;
    const rows: Row[] = [];
    try {
      ctx.log(` initial sync of ${sizeLabel(size)}`);
      const peer = `127.0.0.1:${proxy.port}`;
      receiver = await receive(caps, dst, dataDir(ctx.tmp, 'receiver'), peer, sender.root, profile);
      await rsync.push(`${src}/`, '');
      for (const edit of EDITS) {
        ctx.log(` ${edit.key}`);
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        const before = { ...proxy.counts };
        const senderAfter = sender.proc.events.length;
        const receiverAfter = receiver.proc.events.length;
        name = await edit.apply(src, name, ctx.tmp);
        await waitNewRoot(sender, senderAfter);
        await waitRoot(receiver.proc, sender.root, receiverAfter);
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        const down = proxy.counts.down - before.down;
        const up = proxy.counts.up - before.up;
        await assertSameTree(src, dst, `Peerfold after "${edit.label}"`);
        const theirs = await rsync.push(`${src}/`);
        await assertSameTree(src, rsync.dir, `rsync after "${edit.label}"`);
        rows.push(
          compare(
            {
              id: `delta.${edit.key}`,
              label: `Bytes on the wire, ${sizeLabel(size)} file${ctx.quick ? ' (quick)' : ''}: ${edit.label}`,
              peerfold: { value: up + down, unit: 'B' },
              reference: { name: 'rsync --stats', value: theirs.bytes, unit: 'B' },
              target: '<= 2× rsync',
              note: `Peerfold ${down} B to the receiver, ${up} B from it`,
            },
            (ratio) => ratio <= 2,
          ),
        );
      }
      if (proxy.counts.connections !== 1) {
        throw new Error(
          `the receiver connected ${proxy.counts.connections} times through the relay`,
        );
      }
    } finally {
      await receiver?.proc.stop();
      await sender.proc.stop();
      await proxy.close();
      await rsync.close();
    }
    return rows;
  },
};

export default delta;
