/**
 * Peerfold over any byte stream (a TCP socket, a uTP connection, a WebRTC data channel wrapped
 * as a Node duplex): the stream is piped through a BitTorrent wire and `attachPeerfold` puts a
 * session on it. Stream and wire end each other; a stream error ends the peer, never the process.
 */
import type { Duplex } from 'node:stream';
import Wire from 'bittorrent-protocol';
import { attachPeerfold, type Attached, type AttachOptions } from './extension';

export type AttachSession = AttachOptions['createSession'];

/** Drop a peer that has not finished both BitTorrent handshakes in this long, by default. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * Drop a peer we have heard nothing from in this long, by default: a peer whose process or
 * network died without a close (no RST reaches us through NAT, WebRTC, uTP). Each side sends a
 * BitTorrent keep-alive every third of it, so a live but idle peer is never dropped.
 */
export const IDLE_TIMEOUT_MS = 150_000;

export interface StreamPeerOptions extends Omit<
  AttachOptions,
  'initiator' | 'createSession' | 'onEnd'
> {
  /** Makes the session for a peer in the swarm, e.g. `(send, events) => engine.connect(send, events)`. */
  attach: AttachSession;
  /** Called once per connection when it ends, with why. */
  onEnd?: AttachOptions['onEnd'];
  /** How to end the stream when the peer is done; `destroy` by default (see closeUtp). */
  closeStream?: (stream: ByteStream) => void;
  /** Drop a peer that has not finished both BitTorrent handshakes in this many ms; 10 s by default. */
  handshakeTimeoutMs?: number;
  /** Drop a peer silent for this many ms (keep-alives are sent every third of it); 150 s by default. */
  idleTimeoutMs?: number;
}

/** A stream as `pipe` and the wire see it; uTP's readable-stream duplex fits too. */
export type ByteStream = Pick<Duplex, 'pipe' | 'on' | 'destroy'> & NodeJS.WritableStream;

/** Joins `stream` and a new wire so each ends the other; `initiator` is the dialing side. */
export function attachStream(
  stream: ByteStream,
  options: StreamPeerOptions,
  initiator: boolean,
): Attached {
  const wire = new Wire();
  const { attach, onEnd, handshakeTimeoutMs, idleTimeoutMs, closeStream, ...rest } = options;
  const attached = attachPeerfold(wire, {
    ...rest,
    initiator,
    createSession: (send, events) => {
      // The proof that follows is timed by the session itself (Session.tick).
      clearTimeout(timer);
      return attach(send, events);
    },
    onEnd: (reason, kind) => {
      clearTimeout(timer);
      clearInterval(idleWatch);
      if (closeStream) closeStream(stream);
      else stream.destroy();
      onEnd?.(reason, kind);
    },
  });
  const timer = setTimeout(
    () => attached.destroy('handshake timed out'),
    handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
  );
  const idleMs = idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  let heard = Date.now();
  const idleWatch = setInterval(() => {
    if (Date.now() - heard > idleMs) attached.destroy('peer silent');
    // 4 bytes, so the other side hears from us at least this often (never before the handshake)
    else if (wire._handshakeSent && !wire.destroyed) wire.keepAlive();
  }, idleMs / 3);
  stream.on('data', () => (heard = Date.now()));
  stream.on('error', () => attached.destroy('stream error'));
  stream.on('close', () => attached.destroy('stream closed'));
  stream.pipe(wire as unknown as NodeJS.WritableStream);
  wire.pipe(stream);
  return attached;
}
