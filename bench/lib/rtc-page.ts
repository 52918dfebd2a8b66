/**
 * The raw data channel reference in a browser page: a plain RTCPeerConnection speaking
 * raw-rtc-peer.ts's messages (raw-protocol.ts), so a page pairs with another page or with the
 * Node end. The receiver offers and writes the files into an OPFS folder; the sender answers and
 * reads them from one, both in the page's main thread. Signalling goes through the harness
 * (complete descriptions, ICE gathered). The page reports `connected` and `done` through
 * `benchEvent` (chromium.ts's PageEvents).
 */
import type { Page } from 'playwright';
import { RAW_CHANNEL } from './raw-protocol';

type Description = { type: RTCSdpType; sdp: string };

/** Installs `benchRaw` ({offer, accept, answer}) into the page. */
async function install(page: Page): Promise<void> {
  await page.evaluate((settings) => {
    type Header = { path: string; size: number } | { end: true };
    const say = (e: Record<string, unknown>): void =>
      void (window as unknown as { benchEvent(e: unknown): void }).benchEvent(e);
    const pc = new RTCPeerConnection();
    const gathered = (): Promise<void> =>
      pc.iceGatheringState === 'complete'
        ? Promise.resolve()
        : new Promise((resolve) =>
            pc.addEventListener('icegatheringstatechange', () => {
              if (pc.iceGatheringState === 'complete') resolve();
            }),
          );
    const describe = async (d: RTCSessionDescriptionInit): Promise<Description> => {
      await pc.setLocalDescription(d);
      await gathered();
      return { type: pc.localDescription!.type, sdp: pc.localDescription!.sdp };
    };
    const folderOf = async (name: string) =>
      (await navigator.storage.getDirectory()).getDirectoryHandle(name, { create: true });
    /** Every file below `dir` in name order (hidden entries left out), as raw-protocol.ts lists. */
    const list = async (dir: FileSystemDirectoryHandle, prefix = ''): Promise<[string, File][]> => {
      const entries: [string, FileSystemHandle][] = [];
      for await (const e of (
        dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
      ).entries())
        entries.push(e);
      entries.sort(([a], [b]) => (a < b ? -1 : 1));
      const out: [string, File][] = [];
      for (const [name, handle] of entries) {
        if (name.startsWith('.')) continue;
        if (handle.kind === 'directory') {
          out.push(...(await list(handle as FileSystemDirectoryHandle, `${prefix}${name}/`)));
        } else out.push([prefix + name, await (handle as FileSystemFileHandle).getFile()]);
      }
      return out;
    };

    const send = async (channel: RTCDataChannel, folder: string): Promise<void> => {
      channel.bufferedAmountLowThreshold = settings.lowWater;
      const drained = (): Promise<void> =>
        channel.bufferedAmount <= settings.highWater
          ? Promise.resolve()
          : new Promise((resolve) =>
              channel.addEventListener('bufferedamountlow', () => resolve(), { once: true }),
            );
      // Each file: its header, then its bytes read 1 MiB at a time and sent in `chunk`-sized
      // messages. Reads run up to AHEAD items ahead of the sending (each is a round trip to the
      // browser process: one after the other, they would dominate a folder of small files).
      const AHEAD = 16;
      const items: (string | (() => Promise<ArrayBuffer>))[] = [];
      for (const [path, file] of await list(await folderOf(folder))) {
        items.push(JSON.stringify({ path, size: file.size } satisfies Header));
        for (let at = 0; at < file.size; at += 1 << 20) {
          items.push(() => file.slice(at, at + (1 << 20)).arrayBuffer());
        }
      }
      items.push(JSON.stringify({ end: true } satisfies Header));
      const reads = new Map<number, Promise<ArrayBuffer>>();
      for (let k = 0; k < items.length; k++) {
        for (let j = k; j < Math.min(items.length, k + AHEAD); j++) {
          const item = items[j]!;
          if (typeof item !== 'string' && !reads.has(j)) reads.set(j, item());
        }
        const item = items[k]!;
        if (typeof item === 'string') {
          channel.send(item);
          continue;
        }
        const piece = new Uint8Array(await reads.get(k)!);
        reads.delete(k);
        for (let i = 0; i < piece.length; i += settings.chunk) {
          await drained();
          channel.send(piece.subarray(i, i + settings.chunk));
        }
      }
    };

    const receive = (channel: RTCDataChannel, folder: string): void => {
      channel.binaryType = 'arraybuffer';
      let out: FileSystemWritableFileStream | undefined;
      let bytes = 0;
      // Pieces are written 1 MiB at a time (one write per message costs a round trip each).
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      const flush = async (): Promise<void> => {
        if (!pendingBytes) return;
        const joined = new Uint8Array(pendingBytes);
        let at = 0;
        for (const p of pending) joined.set(p, (at += p.length) - p.length);
        pending = [];
        pendingBytes = 0;
        await out!.write(joined);
      };
      let queue = Promise.resolve();
      // A file's close (its commit) runs while the next file is written; all end before `done`.
      const closing: Promise<void>[] = [];
      const handle = async (data: string | ArrayBuffer): Promise<void> => {
        if (typeof data !== 'string') {
          pending.push(new Uint8Array(data));
          pendingBytes += data.byteLength;
          bytes += data.byteLength;
          if (pendingBytes >= 1 << 20) await flush();
          return;
        }
        await flush();
        if (out) closing.push(out.close());
        out = undefined;
        const header = JSON.parse(data) as Header;
        if ('end' in header) {
          await Promise.all(closing);
          return say({ event: 'done', bytes });
        }
        let dir = await folderOf(folder);
        const parts = header.path.split('/');
        for (const part of parts.slice(0, -1)) {
          dir = await dir.getDirectoryHandle(part, { create: true });
        }
        out = await (await dir.getFileHandle(parts.at(-1)!, { create: true })).createWritable();
      };
      channel.addEventListener('open', () => say({ event: 'connected' }));
      channel.addEventListener('message', (e: MessageEvent<string | ArrayBuffer>) => {
        queue = queue
          .then(() => handle(e.data))
          .catch((err: Error) => say({ event: 'error', message: err.message }));
      });
    };

    Object.assign(window, {
      benchRaw: {
        offer: async (folder: string): Promise<Description> => {
          receive(pc.createDataChannel(settings.label, { ordered: true }), folder);
          return describe(await pc.createOffer());
        },
        accept: (d: Description) => pc.setRemoteDescription(d),
        answer: async (offer: Description, folder: string): Promise<Description> => {
          pc.addEventListener('datachannel', (e) => {
            const go = () =>
              void send(e.channel, folder).catch((err: Error) =>
                say({ event: 'error', message: err.message }),
              );
            if (e.channel.readyState === 'open') go();
            else e.channel.addEventListener('open', go, { once: true });
          });
          await pc.setRemoteDescription(offer);
          return describe(await pc.createAnswer());
        },
      },
    });
  }, RAW_CHANNEL);
}

interface RawPage {
  benchRaw: {
    offer(folder: string): Promise<Description>;
    accept(d: Description): Promise<void>;
    answer(offer: Description, folder: string): Promise<Description>;
  };
}

/** The receiving page's offer (its channel will write into OPFS `folder`). */
export async function rawOffer(page: Page, folder: string): Promise<Description> {
  await install(page);
  return page.evaluate((f) => (window as unknown as RawPage).benchRaw.offer(f), folder);
}

/** The sending page's answer to `offer`; it sends OPFS `folder` once the channel opens. */
export async function rawAnswer(page: Page, offer: Description, folder: string) {
  await install(page);
  return page.evaluate(({ o, f }) => (window as unknown as RawPage).benchRaw.answer(o, f), {
    o: offer,
    f: folder,
  });
}

/** Gives the receiving page the sender's answer. */
export async function rawAccept(page: Page, answer: Description): Promise<void> {
  await page.evaluate((d) => (window as unknown as RawPage).benchRaw.accept(d), answer);
}

export type { Description };
