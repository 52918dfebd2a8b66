/**
 * Peerfold over plain TCP: a transport for the swarm (`serveTcp`, `connectTcp`) and, for a
 * single listener or dial, `listenTcp` / `dialTcp`, each socket joined to a wire and a session
 * by `attachStream`. Socket errors and closes end the peer, never the process.
 */
import { createServer, connect, type Socket } from 'node:net';
import type { Attached } from './extension';
import { attachStream, type StreamPeerOptions } from './stream-peer';
import { normaliseHost, withTimeout, type OnStream, type TransportServer } from './transport';

export type { AttachSession } from './stream-peer';
export type TcpPeerOptions = StreamPeerOptions;

/** Connects to host:port; rejects on error or after `timeoutMs` (the OS would wait minutes). */
export async function connectTcp(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Socket> {
  const socket = connect({ host, port });
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  await withTimeout(connected, timeoutMs, () => socket.destroy(), signal);
  socket.setNoDelay(true);
  return socket;
}

/** Accepts TCP connections on host:port and hands each socket to `onStream`. */
export async function serveTcp(
  port: number,
  host: string,
  onStream: OnStream,
): Promise<TransportServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const remote = {
      host: normaliseHost(socket.remoteAddress ?? ''),
      port: socket.remotePort ?? 0,
    };
    onStream(socket, remote);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {
    // a failed accept is not fatal; the listener keeps serving
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    server.close();
    throw new Error('net: no TCP address');
  }
  let closing: Promise<void> | undefined;
  return {
    transport: 'tcp',
    port: address.port,
    dial: (h, p, ms, signal) => connectTcp(h, p, ms, signal),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        // server.close waits for accepted sockets; whoever took them should have ended them
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      })),
  };
}

export interface TcpListener {
  /** The bound port (useful with port 0). */
  port: number;
  /** Stops listening and drops every connected peer. */
  close(): Promise<void>;
}

/** One listener whose every accepted peer gets a session. */
export async function listenTcp(
  options: TcpPeerOptions & { port: number; host?: string },
): Promise<TcpListener> {
  const peers = new Set<Attached>();
  const server = await serveTcp(options.port, options.host ?? '127.0.0.1', (socket) => {
    const attached = attachStream(socket, options, false);
    peers.add(attached);
    socket.on('close', () => peers.delete(attached));
  });
  return {
    port: server.port,
    close: async () => {
      for (const peer of peers) peer.destroy('listener closed');
      await server.close();
    },
  };
}

export interface TcpConnection {
  readonly attached: Attached;
  /** Drops the connection. */
  close(): void;
}

/** Dials a peer; resolves once the TCP connection is up (the handshake follows). */
export async function dialTcp(
  options: TcpPeerOptions & { host: string; port: number; connectTimeoutMs?: number },
): Promise<TcpConnection> {
  const socket = await connectTcp(options.host, options.port, options.connectTimeoutMs ?? 10_000);
  const attached = attachStream(socket, options, true);
  return { attached, close: () => attached.destroy('closed') };
}
