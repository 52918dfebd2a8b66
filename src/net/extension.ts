/**
 * A Peerfold session carried as the BEP 10 extension `peerfold` on a BitTorrent wire. The wire
 * handshake names the share by its discovery key (as infohash); a peer with another infohash,
 * without extension support, or without `peerfold` is dropped. Once both extended handshakes are
 * in, the session is made and its messages travel as extension messages. Either end going away
 * ends the other: session close destroys the wire, wire close or error closes the session.
 */
import { randomBytes } from 'node:crypto';
import type Wire from 'bittorrent-protocol';
import { toHex } from '../core/bytes';
import type { Session } from '../core/session';
import { EXTENSION_NAME, MAX_MESSAGE_BYTES } from '../core/wire-types';

/** Bytes of BitTorrent framing around one extension message: id 20 and the extension id. */
const EXTENDED_OVERHEAD = 2;

export interface AttachOptions {
  /** The share's 20-byte discovery key, sent and required as the wire's infohash. */
  infoHash: Uint8Array;
  /** True on the dialing side: it sends the handshake first. */
  initiator: boolean;
  /** Makes the started session once the peer is known to speak `peerfold`, e.g. engine.connect. */
  createSession: (send: (message: Uint8Array) => void, events: { onClose: () => void }) => Session;
  /** Random by default. */
  peerId?: Uint8Array;
  /** Called once when this wire is done, with why (for logs and tests). */
  onEnd?: (reason: string) => void;
}

export interface Attached {
  /** The session, once the extended handshake is through. */
  readonly session: Session | undefined;
  /** Drops the peer. */
  destroy(reason?: string): void;
}

/** Speaks Peerfold over `wire`; the caller pipes the wire to a socket. */
export function attachPeerfold(wire: Wire, options: AttachOptions): Attached {
  if (options.infoHash.length !== 20) throw new Error('net: infohash must be 20 bytes');
  const expected = toHex(options.infoHash);
  const peerId = options.peerId ?? new Uint8Array(randomBytes(20));
  let session: Session | undefined;
  let ended = false;

  const end = (reason: string): void => {
    if (ended) return;
    ended = true;
    options.onEnd?.(reason);
    session?.close(reason);
    if (!wire.destroyed) wire.destroy();
  };

  // Refuse a frame longer than any Peerfold message before the wire buffers it.
  const onLength = wire._onMessageLength.bind(wire);
  wire._onMessageLength = (buffer: Uint8Array): void => {
    const length = new DataView(buffer.buffer, buffer.byteOffset, 4).getUint32(0);
    if (length > MAX_MESSAGE_BYTES + EXTENDED_OVERHEAD) {
      end(`frame of ${length} bytes is too large`);
      return;
    }
    onLength(buffer);
  };

  class PeerfoldExtension {
    onMessage(): void {
      // messages are taken from the wire's 'extended' event below
    }
  }
  Object.defineProperty(PeerfoldExtension.prototype, 'name', { value: EXTENSION_NAME });
  wire.use(PeerfoldExtension as unknown as Parameters<Wire['use']>[0]);

  wire.on('handshake', (infoHash, _peerId, extensions) => {
    if (infoHash !== expected) return end('peer is in another swarm');
    if (!extensions.extended) return end('peer lacks extension support');
    if (!options.initiator) wire.handshake(options.infoHash, peerId);
  });

  wire.on('extended', (ext, payload) => {
    if (ended) return;
    if (ext === 'handshake') {
      if (session) return end('second extended handshake');
      if (!wire.peerExtendedMapping[EXTENSION_NAME]) return end('peer lacks peerfold');
      session = options.createSession(
        (message) => {
          if (!ended && !wire.destroyed) wire.extended(EXTENSION_NAME, message);
        },
        { onClose: () => end('session closed') },
      );
      return;
    }
    if (ext !== EXTENSION_NAME) return; // another extension the peer thinks we speak
    if (!session) return end('peerfold message before handshake');
    if (!(payload instanceof Uint8Array)) return end('bad extension payload');
    if (payload.length > MAX_MESSAGE_BYTES) return end('message too large');
    session.receive(payload.slice());
  });

  for (const event of ['close', 'end', 'finish'] as const)
    wire.on(event, () => end(`wire ${event}`));
  wire.on('error', () => end('wire error'));

  if (options.initiator) wire.handshake(options.infoHash, peerId);

  return {
    get session() {
      return session;
    },
    destroy: (reason = 'destroyed') => end(reason),
  };
}
