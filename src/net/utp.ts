/**
 * Peerfold over uTP (BEP 29, `utp-native`): congestion-friendly streams over UDP. One UDP
 * socket both accepts and dials, so peers see our listen port as the source of our dials (what
 * NATs and hole punching want). utp-native speaks IPv4 only.
 */
import { isIP } from 'node:net';
import utp, { type UtpConnection, type UtpSocket } from 'utp-native';
import type { Attached } from './extension';
import { attachStream, type ByteStream, type StreamPeerOptions } from './stream-peer';
import { normaliseHost, withTimeout, type OnStream, type TransportServer } from './transport';

/** libutp gives up on an unanswered connect after ~20 s; we give up sooner. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How long a closing connection waits for the peer's FIN. */
const FIN_WAIT_MS = 3_000;
/** How long close() waits for connections to finish their close handshake. */
const CLOSE_WAIT_MS = 5_000;

async function connected(
  connection: UtpConnection,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ByteStream> {
  const up = new Promise<void>((resolve, reject) => {
    connection.once('error', reject);
    connection.once('close', () => reject(new Error('uTP connection closed')));
    connection.once('connect', () => {
      connection.off('error', reject);
      resolve();
    });
  });
  await withTimeout(up, timeoutMs, () => connection.destroy(), signal);
  return connection as unknown as ByteStream;
}

function checkHost(host: string): void {
  if (isIP(host) === 6) throw new Error('uTP: IPv6 is not supported');
}

/** Dials host:port from a one-off UDP socket (when no uTP listener is bound). */
export async function connectUtp(
  host: string,
  port: number,
  timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
  signal?: AbortSignal,
): Promise<ByteStream> {
  checkHost(host);
  return connected(utp.connect(port, host), timeoutMs, signal);
}

const finishing = new WeakSet<object>();

/**
 * Closes a uTP connection the way libutp needs: send our FIN and wait for the peer's, which
 * the connection then acknowledges while it is still alive. Destroying at once instead leaves
 * the peer's FIN unanswered, and the peer retransmitting it for ~30 s before it lets go. A peer
 * that never answers is destroyed after FIN_WAIT_MS.
 */
export function closeUtp(stream: ByteStream): void {
  const connection = stream as unknown as UtpConnection;
  if (connection.destroyed || finishing.has(connection)) return;
  finishing.add(connection);
  const timer = setTimeout(() => connection.destroy(), FIN_WAIT_MS);
  connection.once('close', () => clearTimeout(timer));
  connection.end();
}

/**
 * Closes every connection, then the UDP socket (utp-native closes it only once every
 * connection has). A peer that vanished can hold a connection until libutp gives up; after
 * CLOSE_WAIT_MS the socket is unref'd (it no longer holds the process) and closes by itself.
 */
async function closeSocket(socket: UtpSocket): Promise<void> {
  const open = [...socket.connections];
  const drained = Promise.all(
    open.map((c) => new Promise<void>((resolve) => c.once('close', () => resolve()))),
  );
  for (const connection of open) closeUtp(connection as unknown as ByteStream);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(resolve, CLOSE_WAIT_MS, 'late');
  });
  const outcome = await Promise.race([drained, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    socket.unref();
    socket.close();
    return;
  }
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

/** Accepts uTP connections on host:port and hands each to `onStream`; dials from the same socket. */
export async function serveUtp(
  port: number,
  host: string,
  onStream: OnStream,
): Promise<TransportServer> {
  const socket: UtpSocket = utp();
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.listen(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', () => {
    // a UDP read error is not fatal; the socket keeps serving
  });
  socket.on('connection', (connection) => {
    const remote = { host: normaliseHost(connection.remoteAddress), port: connection.remotePort };
    onStream(connection as unknown as ByteStream, remote);
  });
  const bound = socket.address().port;
  let closing: Promise<void> | undefined;
  return {
    transport: 'utp',
    port: bound,
    dial: async (h, p, ms, signal) => {
      checkHost(h);
      if (closing) throw new Error('uTP: socket closed');
      return connected(socket.connect(p, h), ms, signal);
    },
    close: () => (closing ??= closeSocket(socket)),
  };
}

export interface UtpListener {
  /** The bound UDP port (useful with port 0). */
  port: number;
  /** Stops listening and drops every connected peer. */
  close(): Promise<void>;
}

/** One listener whose every accepted peer gets a session (as `listenTcp`). */
export async function listenUtp(
  options: StreamPeerOptions & { port: number; host?: string },
): Promise<UtpListener> {
  const peers = new Set<Attached>();
  const server = await serveUtp(options.port, options.host ?? '127.0.0.1', (stream) => {
    const attached = attachStream(stream, { ...options, closeStream: closeUtp }, false);
    peers.add(attached);
    stream.on('close', () => peers.delete(attached));
  });
  return {
    port: server.port,
    close: async () => {
      for (const peer of peers) peer.destroy('listener closed');
      await server.close();
    },
  };
}

export interface UtpConnectionHandle {
  readonly attached: Attached;
  /** Drops the connection. */
  close(): void;
}

/** Dials a peer over uTP; resolves once the connection is up (the handshake follows). */
export async function dialUtp(
  options: StreamPeerOptions & { host: string; port: number; connectTimeoutMs?: number },
): Promise<UtpConnectionHandle> {
  const stream = await connectUtp(options.host, options.port, options.connectTimeoutMs);
  const attached = attachStream(stream, { ...options, closeStream: closeUtp }, true);
  return { attached, close: () => attached.destroy('closed') };
}
