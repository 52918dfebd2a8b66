/**
 * The raw data channel reference in Node, one end per process: node-datachannel's W3C polyfill
 * (what Peerfold's Node peers use under simple-peer), one ordered reliable channel carrying the
 * same files with no protocol but a header message per file. The receiver makes the offer and the
 * channel; the sender answers. Signalling goes through the harness: each side prints its complete
 * description (ICE gathered) as {"event":"signal","description"} and reads the other's from a
 * stdin line {"description"}. The browser end (rtc-page.ts) speaks the same messages.
 *
 *   node --import tsx raw-rtc-peer.ts send DIR       answers; sends DIR's files once open
 *   node --import tsx raw-rtc-peer.ts receive DIR    offers; prints connected, then done {bytes}
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { listFiles, RAW_CHANNEL, type RawHeader } from './raw-protocol';

const say = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

const pc = new RTCPeerConnection({ iceServers: [] });

/** Resolves once ICE gathering is complete: the description then holds every candidate. */
function gathered(): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve();
    });
  });
}

async function signal(description: RTCSessionDescriptionInit): Promise<void> {
  await pc.setLocalDescription(description);
  await gathered();
  say({ event: 'signal', description: pc.localDescription });
}

/** The next {"description"} line on stdin. */
function remoteDescription(): Promise<RTCSessionDescriptionInit> {
  const lines = createInterface({ input: process.stdin });
  return new Promise((resolve) =>
    lines.once('line', (line) => {
      lines.close();
      resolve((JSON.parse(line) as { description: RTCSessionDescriptionInit }).description);
    }),
  );
}

async function send(root: string): Promise<void> {
  pc.ondatachannel = (e) => {
    const channel = e.channel;
    channel.bufferedAmountLowThreshold = RAW_CHANNEL.lowWater;
    const drained = (): Promise<void> =>
      channel.bufferedAmount <= RAW_CHANNEL.highWater
        ? Promise.resolve()
        : new Promise((resolve) =>
            channel.addEventListener('bufferedamountlow', () => resolve(), { once: true }),
          );
    const push = async (): Promise<void> => {
      for (const path of await listFiles(root)) {
        const size = (await stat(join(root, path))).size;
        channel.send(JSON.stringify({ path, size } satisfies RawHeader));
        const stream = createReadStream(join(root, path), { highWaterMark: RAW_CHANNEL.chunk });
        for await (const chunk of stream) {
          await drained();
          channel.send(chunk as Uint8Array<ArrayBuffer>); // a Buffer, sent as bytes
        }
      }
      channel.send(JSON.stringify({ end: true } satisfies RawHeader));
    };
    // A channel announced by the other side may already be open when it arrives.
    if (channel.readyState === 'open') void push();
    else channel.addEventListener('open', () => void push(), { once: true });
  };
  await pc.setRemoteDescription(await remoteDescription());
  await signal((await pc.createAnswer()) as RTCSessionDescriptionInit);
}

async function receive(root: string): Promise<void> {
  const channel = pc.createDataChannel(RAW_CHANNEL.label, { ordered: true });
  channel.binaryType = 'arraybuffer';
  let file: FileHandle | undefined;
  let bytes = 0;
  // Messages are handled strictly in order: each waits for the previous one's write.
  let queue = Promise.resolve();
  const handle = async (data: string | ArrayBuffer): Promise<void> => {
    if (typeof data !== 'string') {
      await file!.write(new Uint8Array(data));
      bytes += data.byteLength;
      return;
    }
    await file?.close();
    file = undefined;
    const header = JSON.parse(data) as RawHeader;
    if ('end' in header) return say({ event: 'done', bytes });
    const target = join(root, header.path);
    await mkdir(dirname(target), { recursive: true });
    file = await open(target, 'w');
  };
  channel.addEventListener('open', () => say({ event: 'connected' }));
  channel.onmessage = (e: MessageEvent<string | ArrayBuffer>) => {
    queue = queue.then(() => handle(e.data));
  };
  await signal((await pc.createOffer()) as RTCSessionDescriptionInit);
  await pc.setRemoteDescription(await remoteDescription());
}

const [mode, dir] = process.argv.slice(2);
if (mode === 'send' && dir) await send(dir);
else if (mode === 'receive' && dir) await receive(dir);
else throw new Error('usage: raw-rtc-peer.ts send DIR | receive DIR');
