/**
 * Memory in Chromium while syncing a 1 GiB random file (quick: 8 MiB) from one browser to a
 * fresh one over WebRTC: the peak JavaScript memory (heap plus ArrayBuffers, heap.ts) of each
 * side's workers, where the engine reads, seals, fetches and writes, beside the file's size. The
 * sender is sampled from before its scan until the receiver is done; the receiver from the
 * moment its page exists until it is done (its folder is then checked byte for byte).
 */
import { compare, MiB, scaled, sizeLabel, type BenchCase, type Figure } from '../lib/case';
import { buildAppIfStale, startAppServer } from '../lib/app-server';
import { appReceive, appSender } from '../lib/browser-peerfold';
import { BENCH_PAGE, BenchBrowser } from '../lib/chromium';
import { HeapSampler, type HeapPeaks } from '../lib/heap';
import { opfsTree, writeOpfsFiles } from '../lib/opfs';

/** As for Node's peak RSS (50-memory.ts): a quarter of the file at most. */
const BOUND = 0.25;
const FOLDER = 'Memory';

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

const memoryChromium: BenchCase = {
  name: 'memory-chromium',
  async run(ctx) {
    const size = scaled(ctx, (ctx.quick ? 8 : 1024) * MiB, MiB);
    buildAppIfStale((m) => ctx.log(m));
    const server = await startAppServer(true, ctx.tmp);
    const sender = await BenchBrowser.launch('sender', server.url);
    let receiver: BenchBrowser | undefined;
    const samplers: { sender?: HeapSampler; receiver?: HeapSampler } = {};
    const peaks: { sender?: HeapPeaks; receiver?: HeapPeaks } = {};
    let rate = '';
    try {
      ctx.log(` writing ${sizeLabel(size)} into the sender's folder`);
      const writer = await sender.page(BENCH_PAGE);
      await writeOpfsFiles(writer, FOLDER, [{ path: 'huge.bin', size }]);
      const want = await opfsTree(writer, FOLDER);
      await writer.close();
      ctx.log(' sender scan');
      const app = await appSender(sender, FOLDER, 1, {
        onPage: async (page) => void (samplers.sender = await HeapSampler.start(sender, page)),
        log: (m) => ctx.log(m),
      });
      ctx.log(`  scanned in ${(app.scanMs / 1000).toFixed(1)} s; receiving`);
      const fresh = await BenchBrowser.launch('receiver', server.url);
      receiver = fresh;
      const r = await appReceive(fresh, app.links.read, FOLDER, want, {
        onPage: async (page) => void (samplers.receiver = await HeapSampler.start(fresh, page)),
        log: (m) => ctx.log(m),
        onDone: async () => {
          peaks.receiver = await samplers.receiver!.stop();
          peaks.sender = await samplers.sender!.stop();
        },
      });
      rate = `${(size / 1e6 / ((r.doneAt - r.connectedAt) / 1000)).toFixed(1)} MB/s from first peer`;
      sender.assertNoErrors();
      fresh.assertNoErrors();
    } finally {
      for (const sampler of [samplers.sender, samplers.receiver]) {
        await sampler?.stop().catch(() => undefined); // after a failure: nothing to keep
      }
      await Promise.all([sender.close(), receiver?.close()]);
      await server.close();
    }
    const file = { name: 'the file', value: size, unit: 'B' };
    const mark = ctx.quick ? ' (quick)' : '';
    // A quick run's small file says nothing about a bound (the engine's fixed memory dominates).
    const bounded = ctx.quick ? undefined : (ratio: number) => ratio <= BOUND;
    return (['sender', 'receiver'] as const).map((who) => {
      const p = peaks[who]!;
      const figure: Figure = { value: p.workers, unit: 'B' };
      const what = who === 'sender' ? 'scan and seal, then serve' : rate;
      return compare(
        {
          id: `memory-chromium.${who}`,
          label: `Peak JS memory (heap + ArrayBuffers) of the Chromium ${who}'s workers syncing a ${sizeLabel(size)} file${mark}`,
          peerfold: figure,
          reference: file,
          ...(bounded && { target: `bounded: <= ${BOUND}× the file` }),
          note: `${what}; heap alone ${mib(p.workersHeapOnly)}, page ${mib(p.page)}, ${p.samples} samples`,
        },
        bounded,
      );
    });
  },
};

export default memoryChromium;
