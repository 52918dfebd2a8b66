/**
 * What the swarm needs of a transport (TCP, uTP): accept byte streams on a port, and dial one.
 * The streams go to `attachStream`; the transport knows nothing of Peerfold. WebRTC streams come
 * from elsewhere (webrtc.ts) and are handed to the swarm whole. Free of Node APIs: the swarm
 * imports it in a browser too.
 */
import type { PeerAddress } from './discovery';
import { formatIp, isIP, parseIp } from './ip';
import type { ByteStream } from './stream-peer';

/** Transports the swarm listens on and dials. */
export type TransportName = 'tcp' | 'utp';

/**
 * How a connection reached us: a dialable transport, or a WebRTC data channel introduced by a
 * WebSocket tracker (adopted by the swarm; it has no address anyone can dial).
 */
export type PeerTransport = TransportName | 'webrtc';

/** Called for each accepted stream, with the remote end as the socket reports it. */
export type OnStream = (stream: ByteStream, remote: PeerAddress) => void;

export interface TransportServer {
  readonly transport: TransportName;
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Opens a stream to host:port; rejects on refusal, error, after `timeoutMs` or on abort. */
  dial(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<ByteStream>;
  /** Stops accepting; resolves once the listening handle is released. Idempotent. */
  close(): Promise<void>;
}

/** The listeners of a swarm, bound on one port number (see swarm-transports.ts). */
export interface Listeners {
  /** The port both listen on; 0 when none does. */
  readonly port: number;
  readonly tcp: TransportServer | undefined;
  readonly utp: TransportServer | undefined;
}

export interface ListenOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host: string;
  readonly transports: readonly TransportName[];
  /** The sink for the streams accepted by each transport. */
  readonly onStream: (transport: TransportName) => OnStream;
  readonly onWarning: (message: string) => void;
}

/**
 * The socket transports a swarm listens on and dials, given to it by the entry point (Node's
 * TCP and uTP: node-swarm.ts), so that the swarm itself needs no socket API and runs in a
 * browser too, taking only WebRTC streams there.
 */
export interface SocketTransports {
  /** Binds `transports` on one port number; rejects if the first cannot bind. */
  bindListeners(options: ListenOptions): Promise<Listeners>;
  /** Dials `address` with each of `transports` in turn; rejects naming every failure. */
  dialFirst(
    address: PeerAddress,
    transports: readonly TransportName[],
    listeners: Listeners,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<{ stream: ByteStream; transport: TransportName }>;
  /** Ends a stream of `transport` whose peer is done (uTP waits for the peer's FIN). */
  closeStream(stream: ByteStream, transport: TransportName): void;
}

/**
 * One spelling per host, so an address found twice is one key: lower case, no brackets,
 * `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) as `1.2.3.4`, IPv6 shortest form.
 */
export function normaliseHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.startsWith('::ffff:') && isIP(h.slice(7)) === 4) return h.slice(7);
  const bytes = isIP(h) === 6 ? parseIp(h) : undefined;
  return bytes ? formatIp(bytes) : h;
}

/**
 * Settles as `promise` does, or rejects after `ms` or when `signal` aborts, calling `cleanup`
 * (which should destroy the half-open connection).
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  cleanup: () => void,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = (why: string): void => {
      done();
      cleanup();
      reject(new Error(why));
    };
    const onAbort = (): void => stop('connect aborted');
    const timer = setTimeout(() => stop(`connect timed out after ${ms} ms`), ms);
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted) return stop('connect aborted');
    signal?.addEventListener('abort', onAbort);
    promise.then(
      (v) => {
        done();
        resolve(v);
      },
      (e: unknown) => {
        done();
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
