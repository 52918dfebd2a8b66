/**
 * The share's network, behind one function so the swarm can replace its insides: today TCP only
 * (`--port` to listen on, `--peer` to dial, a dropped or unreachable `--peer` redialled with
 * exponential backoff). Trackers, DHT and LSD settings are validated and passed in already; the
 * swarm (TCP + uTP, DHT, trackers, LSD, PEX) will use them.
 */
import type { Role } from '../core/capability';
import type { PeerfoldError } from '../core/errors';
import type { Session } from '../core/session';
import type { PeerAddress } from '../net/discovery';
import { dialTcp, listenTcp, type AttachSession } from '../net/tcp';
import { runtimeError } from './errors';

/** Makes a started session for a peer, like ShareEngine.connect. */
export type Attach = (
  send: (message: Uint8Array) => void,
  events: { onOpen: () => void; onClose: (error?: PeerfoldError) => void },
) => Session;

export type NetworkEvent =
  | { readonly event: 'listening'; readonly port: number }
  | {
      readonly event: 'peer';
      readonly action: 'connected';
      readonly role: Role | null;
      readonly address: string | null;
      readonly transport: 'tcp';
      readonly session: Session;
    }
  | {
      readonly event: 'peer';
      readonly action: 'left';
      readonly role: Role | null;
      readonly address: string | null;
      readonly transport: 'tcp';
      readonly reason: string;
      readonly session: Session;
    }
  | {
      readonly event: 'dial-failed';
      readonly address: string;
      readonly reason: string;
      readonly retryMs: number;
    };

export interface NetworkOptions {
  /** The share's discovery key (the swarm's infohash). */
  readonly infoHash: Uint8Array;
  readonly attach: Attach;
  /** The port to accept peers on; 0 picks a free one. */
  readonly port: number;
  /** The address to listen on (default all IPv4 interfaces). */
  readonly host?: string;
  /** Peers to dial and keep dialling. */
  readonly peers: readonly PeerAddress[];
  readonly trackers: readonly string[];
  readonly dht: boolean;
  readonly lsd: boolean;
  readonly onEvent: (event: NetworkEvent) => void;
}

export interface Network {
  readonly port: number;
  /** Stops listening and dialling and drops every peer. */
  close(): Promise<void>;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
const HANDSHAKE_TIMEOUT_MS = 15_000;

export const formatAddress = (p: PeerAddress): string =>
  p.host.includes(':') ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`;

export async function startNetwork(options: NetworkOptions): Promise<Network> {
  const { onEvent } = options;
  let closed = false;

  /** The tcp.ts session factory for one connection, reporting the peer once proven. */
  const sessionFor =
    (address: string | null, ended: () => string | undefined, opened?: () => void): AttachSession =>
    (send, wire) => {
      let open = false;
      const session: Session = options.attach(send, {
        onOpen: () => {
          wire.onOpen();
          open = true;
          opened?.();
          const role = session.peerRole ?? null;
          onEvent({ event: 'peer', action: 'connected', role, address, transport: 'tcp', session });
        },
        onClose: (error) => {
          wire.onClose(error);
          if (!open) return;
          const reason = error?.message ?? ended() ?? 'disconnected';
          const role = session.peerRole ?? null;
          onEvent({
            event: 'peer',
            action: 'left',
            role,
            address,
            transport: 'tcp',
            reason,
            session,
          });
        },
      });
      return session;
    };

  let listener;
  try {
    listener = await listenTcp({
      port: options.port,
      host: options.host ?? '0.0.0.0',
      infoHash: options.infoHash,
      attach: sessionFor(null, () => undefined),
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw runtimeError(`port ${options.port} is in use`);
    if (code === 'EACCES') throw runtimeError(`port ${options.port} needs more privileges`);
    if (code === 'EADDRNOTAVAIL') throw runtimeError(`cannot listen on ${options.host}`);
    throw e;
  }
  onEvent({ event: 'listening', port: listener.port });

  const dialers = options.peers.map((peer) => {
    const address = formatAddress(peer);
    let retryMs = FIRST_RETRY_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let connection: { close(): void } | undefined;

    const retry = (reason: string, wasOpen: boolean): void => {
      connection = undefined;
      if (closed) return;
      if (!wasOpen) onEvent({ event: 'dial-failed', address, reason, retryMs });
      timer = setTimeout(dial, retryMs);
      retryMs = wasOpen ? FIRST_RETRY_MS : Math.min(retryMs * 2, MAX_RETRY_MS);
    };
    const dial = (): void => {
      timer = undefined;
      let endReason: string | undefined;
      let wasOpen = false;
      dialTcp({
        host: peer.host,
        port: peer.port,
        infoHash: options.infoHash,
        handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
        attach: sessionFor(
          address,
          () => endReason,
          () => {
            wasOpen = true;
            retryMs = FIRST_RETRY_MS;
          },
        ),
        onEnd: (reason) => {
          endReason = reason;
          retry(reason, wasOpen);
        },
      }).then(
        (c) => {
          if (closed) c.close();
          else connection = c;
        },
        (e: unknown) => retry((e as NodeJS.ErrnoException).code ?? String(e), false),
      );
    };
    dial();
    return {
      close: () => {
        clearTimeout(timer);
        connection?.close();
      },
    };
  });

  return {
    port: listener.port,
    close: async () => {
      closed = true;
      for (const d of dialers) d.close();
      await listener.close();
    },
  };
}
