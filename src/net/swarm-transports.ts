/**
 * Node's socket transports for the swarm (node-swarm.ts plugs them in). Listening: binds TCP
 * and uTP on the same port number, so one `p` in the extended handshake and one port in
 * discovery serve both. With port 0 a pair of free ports is searched (the TCP port's UDP twin
 * may be taken); if uTP still cannot bind, TCP serves alone and a warning says so. A TCP bind
 * failure is the caller's error (EADDRINUSE, EACCES, ...). Dialling: each transport in turn
 * (TCP first), the first that connects wins.
 */
import type { PeerAddress } from './discovery';
import type { ByteStream } from './stream-peer';
import { connectTcp, serveTcp } from './tcp';
import type { ListenOptions, Listeners, TransportName } from './transport';
import { connectUtp, serveUtp } from './utp';

const PORT_PAIR_TRIES = 5;

export async function bindListeners(options: ListenOptions): Promise<Listeners> {
  const { host, transports, onStream } = options;
  const wantUtp = transports.includes('utp');
  if (!transports.includes('tcp')) {
    const utp = await serveUtp(options.port, host, onStream('utp'));
    return { port: utp.port, tcp: undefined, utp };
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_PAIR_TRIES; attempt++) {
    const tcp = await serveTcp(options.port, host, onStream('tcp'));
    if (!wantUtp) return { port: tcp.port, tcp, utp: undefined };
    try {
      const utp = await serveUtp(tcp.port, host, onStream('utp'));
      return { port: tcp.port, tcp, utp };
    } catch (e) {
      lastError = e;
      if (options.port !== 0 || attempt === PORT_PAIR_TRIES - 1) {
        options.onWarning(`uTP cannot listen on port ${tcp.port} (${describe(e)}); TCP only`);
        return { port: tcp.port, tcp, utp: undefined };
      }
      await tcp.close(); // try another free TCP port whose UDP twin is free
    }
  }
  throw lastError instanceof Error ? lastError : new Error('net: no port for TCP and uTP');
}

/** Tries each of `transports` in order; rejects naming every failure. */
export async function dialFirst(
  address: PeerAddress,
  transports: readonly TransportName[],
  listeners: Listeners,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ stream: ByteStream; transport: TransportName }> {
  const { host, port } = address;
  const failures: string[] = [];
  for (const transport of transports) {
    try {
      const stream =
        transport === 'tcp'
          ? await connectTcp(host, port, timeoutMs, signal)
          : await (listeners.utp?.dial(host, port, timeoutMs, signal) ??
              connectUtp(host, port, timeoutMs, signal));
      return { stream, transport };
    } catch (e) {
      failures.push(`${transport}: ${describe(e)}`);
      if (signal.aborted) break;
    }
  }
  throw new Error(failures.join('; '));
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
