/**
 * How the swarm puts a Peerfold session on each stream it takes (dialled, accepted or adopted):
 * the connection record, the attachStream options for it, and the hooks through which the
 * session's events reach the swarm.
 */
import type { PeerAddress } from './discovery';
import type { EndKind } from './extension';
import { PEX_EXTENSION } from './pex';
import { attachStream, type AttachSession, type ByteStream } from './stream-peer';
import { heardPex } from './swarm-pex';
import type { Connection } from './swarm-peers';
import type { SocketTransports } from './transport';

/** What a connection's session needs of its swarm. */
export interface ConnectionHooks {
  readonly infoHash: Uint8Array;
  readonly attach: AttachSession;
  readonly peerId: Uint8Array;
  readonly handshakeTimeoutMs: number | undefined;
  /** Peer exchange is offered to peers. */
  readonly pex: boolean;
  /** They close the streams of socket transports (uTP waits for the peer's FIN). */
  readonly sockets: SocketTransports | undefined;
  /** The port we listen on, told to peers; undefined when we do not listen. */
  listenPort(): number | undefined;
  isClosing(): boolean;
  /** An address a proven peer told us about (PEX). */
  onPexPeer(address: PeerAddress): void;
  /** The peer's id is known: a reason to refuse it (a duplicate), or undefined. */
  onPeerId(conn: Connection, id: string): string | undefined;
  onOpen(conn: Connection): void;
  onEnd(conn: Connection, reason: string, kind: EndKind): void;
}

/**
 * Makes the record of a new connection, hands it to `track` (before its session can end), then
 * starts the session on `stream`.
 */
export function attachConnection(
  stream: ByteStream,
  init: Pick<Connection, 'transport' | 'direction' | 'remote' | 'candidate'>,
  hooks: ConnectionHooks,
  track: (conn: Connection) => void,
): Connection {
  const conn: Connection = {
    ...init,
    source: init.candidate?.source ?? 'incoming',
    attached: undefined,
    open: false,
    pex: undefined,
    pexTimer: undefined,
  };
  track(conn);
  const { sockets } = hooks;
  const { transport } = conn;
  conn.attached = attachStream(
    stream,
    {
      infoHash: hooks.infoHash,
      attach: hooks.attach,
      peerId: hooks.peerId,
      listenPort: hooks.listenPort(),
      handshakeTimeoutMs: hooks.handshakeTimeoutMs,
      closeStream:
        sockets && transport !== 'webrtc' ? (s) => sockets.closeStream(s, transport) : undefined,
      extensions: hooks.pex ? [PEX_EXTENSION] : [],
      onExtension: (_name, payload) => {
        if (hooks.isClosing()) return;
        for (const address of heardPex(conn, payload)) hooks.onPexPeer(address);
      },
      onPeerId: (id) => hooks.onPeerId(conn, id),
      onOpen: () => hooks.onOpen(conn),
      onEnd: (reason, kind) => hooks.onEnd(conn, reason, kind),
    },
    conn.direction === 'out',
  );
  return conn;
}
