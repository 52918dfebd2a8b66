/**
 * A dedicated module Worker for data-channel-stream.browser.test.ts: the shape of the browser app,
 * whose sync engine runs in a Worker that has no RTCPeerConnection. The page transfers it a raw
 * RTCDataChannel; here a ShareEngine (memory adapters) runs the Peerfold wire over it through
 * openDataChannel and attachStream, and answers the page's questions with postMessage.
 */
import { discoveryKey, parseCapability } from '../../src/core/capability';
import { initCrypto } from '../../src/core/crypto';
import { ShareEngine } from '../../src/engine/share';
import { openDataChannel } from '../../src/net/data-channel-stream';
import { attachStream, type ByteStream } from '../../src/net/stream-peer';
import { MemoryDrive } from '../../src/storage/memory-drive';
import { MemoryObjectStore } from '../../src/storage/memory-object-store';
import { MemoryStateStore } from '../../src/storage/memory-state-store';
import { put, snapshot, T0 } from '../engine/fixture';

/** What the page sends. */
export type WorkerCommand =
  | {
      type: 'start';
      channel: RTCDataChannel;
      capability: string;
      initiator: boolean;
      files: Record<string, Uint8Array>;
    }
  | { type: 'snapshot' };

/** What the worker answers. */
export type WorkerReport =
  | { type: 'started'; channelState: string; workerHasPeerConnection: boolean }
  | { type: 'opened' }
  | { type: 'ended'; reason: string; kind: string }
  | { type: 'snapshot'; files: Record<string, string> }
  | { type: 'failed'; message: string };

const report = (message: WorkerReport): void => self.postMessage(message);
const cryptoReady = initCrypto();
let drive: MemoryDrive | undefined;

self.addEventListener('message', (event: MessageEvent<WorkerCommand>) => {
  const command = event.data;
  if (command.type === 'snapshot') {
    const files = drive ? snapshot(drive) : Promise.resolve({});
    void files.then((files) => report({ type: 'snapshot', files }));
    return;
  }
  report({
    type: 'started',
    channelState: command.channel.readyState,
    workerHasPeerConnection: 'RTCPeerConnection' in self,
  });
  // At once, in the task the channel arrived in: its first messages must find a listener.
  const stream = openDataChannel(command.channel, { initiator: command.initiator });
  start(command, stream).catch((error: unknown) =>
    report({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});

async function start(
  command: Extract<WorkerCommand, { type: 'start' }>,
  stream: Promise<ByteStream>,
): Promise<void> {
  await cryptoReady;
  const capability = parseCapability(command.capability);
  const folder = new MemoryDrive({ now: () => T0 });
  await folder.createMarker();
  for (const [path, bytes] of Object.entries(command.files)) await put(folder, path, bytes);
  const engine = new ShareEngine({
    capability,
    drive: folder,
    store: new MemoryObjectStore(),
    state: new MemoryStateStore(),
    device: command.initiator ? '0123456789abcdef' : 'fedcba9876543210',
    now: () => T0,
  });
  await engine.start();
  drive = folder;
  attachStream(
    await stream,
    {
      infoHash: discoveryKey(capability),
      attach: (send, events) => engine.connect(send, events),
      onOpen: () => report({ type: 'opened' }),
      onEnd: (reason, kind) => report({ type: 'ended', reason, kind }),
    },
    command.initiator,
  );
}
