/**
 * Peerfold over plain TCP: each socket is piped through a BitTorrent wire, and `attach` puts a
 * session on it (see extension.ts). Socket errors and closes end the wire, never the process.
 */
import { createServer, connect, type Socket } from 'node:net';
import Wire from 'bittorrent-protocol';
import { attachPeerfold, type Attached, type AttachOptions } from './extension';

export type AttachSession = AttachOptions['createSession'];

export interface TcpPeerOptions {
  /** The share's discovery key. */
  infoHash: Uint8Array;
  /** Makes the session for a peer in the swarm, e.g. `(send, events) => engine.connect(send, events)`. */
  attach: AttachSession;
  /** Called once per connection when it ends, with why. */
  onEnd?: (reason: string) => void;
  /** Drop a peer that has not finished both handshakes in this many ms; 10 s by default. */
  handshakeTimeoutMs?: number;
}

/** Joins socket and wire so each ends the other. */
function wireUp(socket: Socket, options: TcpPeerOptions, initiator: boolean): Attached {
  const wire = new Wire();
  socket.setNoDelay(true);
  const attached = attachPeerfold(wire, {
    infoHash: options.infoHash,
    initiator,
    createSession: (send, events) => {
      clearTimeout(timer);
      return options.attach(send, events);
    },
    onEnd: (reason) => {
      clearTimeout(timer);
      socket.destroy();
      options.onEnd?.(reason);
    },
  });
  const timer = setTimeout(
    () => attached.destroy('handshake timed out'),
    options.handshakeTimeoutMs ?? 10_000,
  );
  socket.on('error', () => attached.destroy('socket error'));
  socket.on('close', () => attached.destroy('socket closed'));
  socket.pipe(wire as unknown as NodeJS.WritableStream);
  wire.pipe(socket);
  return attached;
}

export interface TcpListener {
  /** The bound port (useful with port 0). */
  port: number;
  /** Stops listening and drops every connected peer. */
  close(): Promise<void>;
}

export async function listenTcp(
  options: TcpPeerOptions & { port: number; host?: string },
): Promise<TcpListener> {
  const peers = new Set<Attached>();
  const server = createServer((socket) => {
    const attached = wireUp(socket, options, false);
    peers.add(attached);
    socket.on('close', () => peers.delete(attached));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {
    // a failed accept is not fatal; the listener keeps serving
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('net: no TCP address');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const peer of peers) peer.destroy('listener closed');
        server.close(() => resolve());
      }),
  };
}

export interface TcpConnection {
  readonly attached: Attached;
  /** Drops the connection. */
  close(): void;
}

/** Dials a peer; resolves once the TCP connection is up (the handshake follows). */
export async function dialTcp(
  options: TcpPeerOptions & { host: string; port: number },
): Promise<TcpConnection> {
  const socket = connect({ host: options.host, port: options.port });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const attached = wireUp(socket, options, true);
  return { attached, close: () => attached.destroy('closed') };
}
