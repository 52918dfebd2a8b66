/**
 * A Peerfold session carried as the BEP 10 extension `peerfold` on a BitTorrent wire. The wire
 * handshake names the share by its discovery key (as infohash); a peer with another infohash,
 * without extension support, or without `peerfold` is dropped. Once both extended handshakes are
 * in, the session is made and its messages travel as extension messages. Either end going away
 * ends the other: session close destroys the wire, wire close or error closes the session.
 *
 * Other extensions (e.g. `ut_pex`) may ride the same wire: they are registered before the
 * handshake, and their messages are handed over raw (size-capped) only once the session is open.
 */
import type Wire from 'bittorrent-protocol';
import { toHex } from '../core/bytes';
import { isMisbehaviour, type PeerfoldError } from '../core/errors';
import type { MessageSink, Session } from '../core/session';
import { framedSink } from './framed-sink';
import { EXTENSION_NAME, MAX_MESSAGE_BYTES } from '../core/wire-types';
import { ownsMemory, parseWithoutJoining } from './wire-parse';

/** Bytes of BitTorrent framing around one extension message: id 20 and the extension id. */
const EXTENDED_OVERHEAD = 2;
/** Messages of other extensions held while the session's inbox catches up; more are dropped. */
const MAX_QUEUED_EXTENSION_MESSAGES = 8;

/**
 * Why a wire ended, as far as what to do about the peer's address goes:
 * `closed` (either side closed, the network went away, a timeout: may be dialled again later),
 * `misbehaved` (it broke the protocol: avoid it), `self` (we reached ourselves: avoid the
 * address), `unfit` (another swarm, no `peerfold`, a version we lack: pointless to redial soon),
 * `refused` (this side declined it, e.g. a duplicate connection).
 */
export type EndKind = 'closed' | 'misbehaved' | 'self' | 'unfit' | 'refused';

export interface SessionEvents {
  /** Must be called when the session ends, with its error unless it ended cleanly. */
  onClose: (error?: PeerfoldError) => void;
  /** Should be called when the peer has proved it holds the share. */
  onOpen: () => void;
}

export interface AttachOptions {
  /** The share's 20-byte discovery key, sent and required as the wire's infohash. */
  infoHash: Uint8Array;
  /** True on the dialing side: it sends the handshake first. */
  initiator: boolean;
  /** Makes the started session once the peer is known to speak `peerfold`, e.g. engine.connect. */
  createSession: (send: MessageSink, events: SessionEvents) => Session;
  /** Random by default (the platform's CSPRNG, `crypto.getRandomValues`: Node and browsers). */
  peerId?: Uint8Array;
  /** Our listen port, told to the peer in the extended handshake (BEP 10 `p`). */
  listenPort?: number;
  /** Called once when this wire is done, with why (for logs and tests) and what it means. */
  onEnd?: (reason: string, kind: EndKind) => void;
  /** Called with the remote peer id (hex) when its handshake is in; a returned reason refuses it. */
  onPeerId?: (peerId: string) => string | undefined;
  /** Called once the session is open (the peer proved the share). */
  onOpen?: () => void;
  /** More BEP 10 extensions to offer on this wire, by name. */
  extensions?: readonly string[];
  /** A message of one of `extensions`, delivered only while the session is open. */
  onExtension?: (name: string, payload: Uint8Array) => void;
}

export interface Attached {
  /** The session, once the extended handshake is through. */
  readonly session: Session | undefined;
  /** The peer's id (hex) once its handshake is in. */
  readonly peerId: string | undefined;
  /** The port the peer says it accepts connections on (BEP 10 `p`), if it said a valid one. */
  readonly peerListenPort: number | undefined;
  /** Whether the peer offered extension `name` in its extended handshake. */
  peerSupports(name: string): boolean;
  /** Sends a message of one of `extensions`; false if the peer lacks it or the wire is done. */
  sendExtension(name: string, payload: Uint8Array): boolean;
  /** Drops the peer. */
  destroy(reason?: string, kind?: EndKind): void;
}

/** What a session's end means for its peer's address. */
function sessionEndKind(error: PeerfoldError | undefined): EndKind {
  if (isMisbehaviour(error)) return 'misbehaved';
  return error?.code === 'unsupported' ? 'unfit' : 'closed';
}

/** Whether the peer's extended handshake gave `name` a usable id (BEP 10: 0 disables it). */
const peerHas = (wire: Wire, name: string): boolean => {
  const id = wire.peerExtendedMapping[name];
  return id !== undefined && Number.isInteger(id) && id > 0 && id < 256;
};

const validPort = (p: unknown): number | undefined =>
  typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536 ? p : undefined;

/** Speaks Peerfold over `wire`; the caller pipes the wire to a socket. */
export function attachPeerfold(wire: Wire, options: AttachOptions): Attached {
  if (options.infoHash.length !== 20) throw new Error('net: infohash must be 20 bytes');
  const expected = toHex(options.infoHash);
  const peerId = options.peerId ?? crypto.getRandomValues(new Uint8Array(20));
  const ourId = toHex(peerId);
  const extensions = options.extensions ?? [];
  let session: Session | undefined;
  let open = false;
  let remoteId: string | undefined;
  let peerListenPort: number | undefined;
  let reachedSelf = false;
  let ended = false;
  let extensionQueue: Promise<void> = Promise.resolve();
  let queuedExtensions = 0;

  const end = (reason: string, kind: EndKind): void => {
    if (ended) return;
    ended = true;
    options.onEnd?.(reason, kind);
    session?.close(reason);
    if (!wire.destroyed) wire.destroy();
  };
  const wireGone = (reason: string): void =>
    end(reachedSelf ? 'connected to ourselves' : reason, reachedSelf ? 'self' : 'closed');

  parseWithoutJoining(wire);
  // Refuse a frame longer than any Peerfold message before the wire buffers it.
  const onLength = wire._onMessageLength.bind(wire);
  wire._onMessageLength = (buffer: Uint8Array): void => {
    const length = new DataView(buffer.buffer, buffer.byteOffset, 4).getUint32(0);
    if (length > MAX_MESSAGE_BYTES + EXTENDED_OVERHEAD) {
      end(`frame of ${length} bytes is too large`, 'misbehaved');
      return;
    }
    onLength(buffer);
  };

  for (const name of [EXTENSION_NAME, ...extensions]) {
    // Name-only handlers: messages are taken from the wire's 'extended' event below.
    class NamedExtension {}
    Object.defineProperty(NamedExtension.prototype, 'name', { value: name });
    wire.use(NamedExtension as unknown as Parameters<Wire['use']>[0]);
  }
  if (options.listenPort !== undefined) wire.extendedHandshake.p = options.listenPort;

  wire.on('handshake', (infoHash, id, peerExtensions) => {
    if (ended) return;
    if (infoHash !== expected) return end('peer is in another swarm', 'unfit');
    if (!peerExtensions.extended) return end('peer lacks extension support', 'unfit');
    remoteId = id;
    if (id === ourId) {
      if (options.initiator) return end('connected to ourselves', 'self');
      // Answer, so the dialing side (also us) sees its own id and avoids that address.
      reachedSelf = true;
      wire.handshake(options.infoHash, peerId);
      return;
    }
    const refusal = options.onPeerId?.(id);
    if (refusal !== undefined) return end(refusal, 'refused');
    if (!options.initiator) wire.handshake(options.infoHash, peerId);
  });

  wire.on('extended', (ext, payload) => {
    if (ended) return;
    if (ext === 'handshake') {
      if (reachedSelf) return end('connected to ourselves', 'self');
      if (session) return end('second extended handshake', 'misbehaved');
      if (!peerHas(wire, EXTENSION_NAME)) return end('peer lacks peerfold', 'unfit');
      peerListenPort = validPort(wire.peerExtendedHandshake.p);
      session = options.createSession(
        framedSink(wire, () => !ended && !wire.destroyed),
        {
          onClose: (error) =>
            end(
              error ? `session failed: ${error.message}` : 'session closed',
              sessionEndKind(error),
            ),
          onOpen: () => {
            if (ended || open) return;
            open = true;
            options.onOpen?.();
          },
        },
      );
      return;
    }
    if (!(payload instanceof Uint8Array)) return end('bad extension payload', 'misbehaved');
    if (payload.length > MAX_MESSAGE_BYTES) return end('message too large', 'misbehaved');
    if (ext === EXTENSION_NAME) {
      if (!session) return end('peerfold message before handshake', 'misbehaved');
      // Memory of its own, as the session keeps views into it: copied out of a network chunk
      // (with new Uint8Array: a Buffer's slice() would be a view), unless already a copy.
      session.receive(ownsMemory(payload) ? payload : new Uint8Array(payload));
      return;
    }
    // Another extension: only a peer that proved the share is heard. Its proof may still be
    // in the session's inbox, so wait for what arrived before this message to be handled.
    if (typeof ext !== 'string' || !extensions.includes(ext) || !session) return;
    if (queuedExtensions >= MAX_QUEUED_EXTENSION_MESSAGES) return; // an unproven peer's flood
    const bytes = payload.slice();
    const proving = session;
    queuedExtensions++;
    extensionQueue = extensionQueue
      .then(() => (open ? undefined : proving.idle()))
      .then(() => {
        if (open && !ended) options.onExtension?.(ext, bytes);
      })
      .catch(() => undefined)
      .finally(() => queuedExtensions--);
  });

  for (const event of ['close', 'end', 'finish'] as const)
    wire.on(event, () => wireGone(`wire ${event}`));
  wire.on('error', () => wireGone('wire error'));

  if (options.initiator) wire.handshake(options.infoHash, peerId);

  return {
    get session() {
      return session;
    },
    get peerId() {
      return remoteId;
    },
    get peerListenPort() {
      return peerListenPort;
    },
    peerSupports: (name) => !ended && peerHas(wire, name),
    sendExtension: (name, payload) => {
      if (ended || wire.destroyed || !extensions.includes(name) || !peerHas(wire, name)) {
        return false;
      }
      wire.extended(name, payload);
      return true;
    },
    destroy: (reason = 'destroyed', kind: EndKind = 'closed') => end(reason, kind),
  };
}
