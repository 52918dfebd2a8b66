// The engine's Web Worker entry (DESIGN.md sections 1 and 7): like src/main.tsx, an entry point
// that picks concrete adapters (share-runner.ts: FsaDrive, OpfsObjectStore, IdbStateStore;
// randomness from crypto.getRandomValues). Hashing, chunking and crypto run here, never on the
// page's main thread. Messages are validated on receipt (engine/api.ts); others are dropped.
import { initCrypto } from '../core/crypto';
import { parseCommand, stamp, type Command, type EngineEvent } from '../engine/api';
import { WorkerHost } from './host';

const post = (event: EngineEvent): void => self.postMessage(stamp(event));
const host = new WorkerHost((event) => self.postMessage(event));
const early: Command[] = [];
let ready = false;

self.addEventListener('message', (message: MessageEvent<unknown>) => {
  const command = parseCommand(message.data);
  if (!command) return;
  if (ready) host.handle(command);
  else early.push(command);
});

initCrypto().then(
  () => {
    ready = true;
    post({ type: 'ready' });
    for (const command of early.splice(0)) host.handle(command);
  },
  () => post({ type: 'failed', message: 'the encryption module (WebAssembly) was blocked' }),
);
