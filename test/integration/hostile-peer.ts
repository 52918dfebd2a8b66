/**
 * A hostile peer for process-level tests: a real Session over a real BitTorrent wire on TCP,
 * holding the share's capability (so it passes the proof), whose outgoing messages pass through
 * a `tamper` hook that corrupts, forges or replaces them. `ended` tells why and how the wire
 * ended (src/net/extension.ts `EndKind`). Not a test file itself.
 */
import { connect } from 'node:net';
import Wire from 'bittorrent-protocol';
import { discoveryKey, type Capability } from '../../src/core/capability';
import {
  decodeMessage,
  encodeMessage,
  EXTENSION_NAME,
  type WireMessage,
} from '../../src/core/wire';
import { ShareEngine } from '../../src/engine/share';
import { attachPeerfold, type EndKind } from '../../src/net/extension';
import { MemoryDrive } from '../../src/storage/memory-drive';
import { MemoryObjectStore } from '../../src/storage/memory-object-store';
import { MemoryStateStore } from '../../src/storage/memory-state-store';

/** What to send instead of `message`: a message, raw bytes, or null to send nothing. */
export type Tamper = (message: WireMessage) => WireMessage | Uint8Array | null;

export interface HostileEnd {
  readonly reason: string;
  readonly kind: EndKind;
}

export interface HostileConnection {
  /** Resolves with why the wire ended (the victim dropping us, typically). */
  readonly ended: Promise<HostileEnd>;
  /** Raw bytes as one peerfold extension message, once the session is open. */
  sendRaw(bytes: Uint8Array): void;
  /** Resolves once both proofs are through. */
  readonly opened: Promise<void>;
  close(): void;
}

/** A share engine on an in-memory folder: the hostile peer's own (honest) replica. */
export async function hostileEngine(
  cap: Capability,
  files: Record<string, Uint8Array> = {},
): Promise<ShareEngine> {
  const drive = cap.role === 'store' ? undefined : new MemoryDrive({ now: () => Date.now() });
  if (drive) {
    await drive.createMarker();
    for (const [path, bytes] of Object.entries(files)) {
      await drive.write(path, [bytes], { mtime: Date.now(), executable: false });
    }
  }
  const engine = new ShareEngine({
    capability: cap,
    drive,
    store: new MemoryObjectStore(),
    state: new MemoryStateStore(),
    device: 'badbadbadbadbad0',
    now: () => Date.now(),
  });
  await engine.start();
  return engine;
}

/** Dials the victim at host:port and runs `engine`'s session with `tamper` on what it sends. */
export function connectHostile(
  engine: ShareEngine,
  host: string,
  port: number,
  tamper: Tamper = (m) => m,
): HostileConnection {
  const socket = connect({ host, port });
  socket.on('error', () => undefined);
  const wire = new Wire();
  socket.pipe(wire as unknown as NodeJS.WritableStream);
  wire.pipe(socket);
  let resolveEnded!: (end: HostileEnd) => void;
  const ended = new Promise<HostileEnd>((r) => (resolveEnded = r));
  let resolveOpened!: () => void;
  const opened = new Promise<void>((r) => (resolveOpened = r));
  const rawSend = (bytes: Uint8Array): void => {
    if (!wire.destroyed) wire.extended(EXTENSION_NAME, bytes);
  };
  const attached = attachPeerfold(wire, {
    infoHash: discoveryKey(engine.replica.capability),
    initiator: true,
    createSession: (_send, events) =>
      engine.connect(
        (bytes) => {
          const out = tamper(decodeMessage(bytes));
          if (out === null) return;
          rawSend(out instanceof Uint8Array ? out : encodeMessage(out));
        },
        { ...events, onOpen: resolveOpened },
      ),
    onEnd: (reason, kind) => {
      socket.destroy();
      resolveEnded({ reason, kind });
    },
  });
  socket.on('close', () => attached.destroy('socket closed'));
  return {
    ended,
    opened,
    sendRaw: rawSend,
    close: () => attached.destroy('test done'),
  };
}
