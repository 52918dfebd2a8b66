/**
 * The connection manager for one share: listens and dials through the socket transports it is
 * given (`SwarmOptions.sockets`: TCP and uTP on one port in Node), dials the addresses that
 * discovery sources report (`addPeer`, the OnPeer sink; see swarm-dialer.ts), and runs a
 * Peerfold session on every connection. It keeps at most `maxPeers` connections, one per remote
 * peer id, drops connections to itself, backs off from addresses that fail, avoids for a while
 * the addresses of peers that broke the protocol, and exchanges peers (PEX) with proven peers.
 *
 * WebRTC peers arrive as ready streams (`adoptStream`, fed by webrtc.ts from WebSocket
 * trackers): they share the slots and the one-connection-per-peer-id rule, but have no address
 * to dial or advertise. A swarm with no transports takes only those.
 *
 * `Swarm.start(options)` runs anywhere: nothing imported here needs Node, so a browser's engine
 * worker starts a WebRTC-only swarm with it. In Node, `startSwarm` of node-swarm.ts starts one
 * with TCP and uTP plugged in.
 */
import { toHex } from '../core/bytes';
import { TICK_INTERVAL_MS } from '../core/session';
import { AvoidList, AVOID_MS } from './avoid-list';
import { isDialable, type PeerAddress } from './discovery';
import type { EndKind } from './extension';
import { addressKey, type Candidate } from './peer-book';
import type { ByteStream } from './stream-peer';
import { attachConnection, type ConnectionHooks } from './swarm-attach';
import { Dialer } from './swarm-dialer';
import type { AddResult, SwarmOptions } from './swarm-options';
import { startPex, stopPex } from './swarm-pex';
import {
  duplicateLoser,
  listenAddress,
  peerInfo,
  type Connection,
  type PeerEvent,
  type PeerInfo,
} from './swarm-peers';
import {
  normaliseHost,
  type Listeners,
  type PeerTransport,
  type SocketTransports,
  type TransportName,
} from './transport';

export type { PeerEvent, PeerInfo } from './swarm-peers';
export type { AddResult, SwarmOptions } from './swarm-options';
export type { SocketTransports } from './transport';

const DEFAULT_CONNECT_TIMEOUT_MS = 8_000;

export class Swarm {
  private readonly conns = new Set<Connection>();
  private readonly dialer: Dialer;
  private readonly avoid: AvoidList;
  private readonly now: () => number;
  private readonly ourId: Uint8Array;
  private readonly maxPeers: number;
  private readonly transports: readonly TransportName[];
  private readonly sockets: SocketTransports | undefined;
  private readonly hooks: ConnectionHooks;
  private readonly abort = new AbortController();
  /** WebRTC streams not closed yet: close() waits for them (see channelStream). */
  private readonly closingChannels = new Set<Promise<void>>();
  private listeners: Listeners = { port: 0, tcp: undefined, utp: undefined };
  private ticker: ReturnType<typeof setInterval> | undefined;
  /** Set first thing in close(): peers it ends must not make the swarm dial again. */
  private closed = false;
  private closing: Promise<void> | undefined;

  /**
   * Binds the listeners (if any transports) and returns the running swarm. Rejects if
   * `transports` are asked for without `sockets` to provide them.
   */
  static async start(options: SwarmOptions): Promise<Swarm> {
    const swarm = new Swarm(options);
    if (swarm.sockets && swarm.transports.length > 0) {
      swarm.listeners = await swarm.sockets.bindListeners({
        port: options.port ?? 0,
        host: options.host ?? '0.0.0.0',
        transports: swarm.transports,
        onStream: (transport) => (stream, remote) => swarm.accept(stream, transport, remote),
        onWarning: (m) => swarm.warn(m),
      });
    }
    // Sessions keep no clock: this tick lets them time out silent or stalled peers.
    swarm.ticker = setInterval(() => {
      for (const c of swarm.conns) c.attached?.session?.tick(swarm.now());
    }, TICK_INTERVAL_MS);
    return swarm;
  }

  private constructor(private readonly options: SwarmOptions) {
    if (options.infoHash.length !== 20) throw new Error('net: infohash must be 20 bytes');
    this.sockets = options.sockets;
    this.transports = options.transports ?? (this.sockets ? ['tcp', 'utp'] : []);
    if (this.transports.length > 0 && !this.sockets) {
      const names = this.transports.join(', ');
      throw new Error(`net: transports ${names} need SwarmOptions.sockets (node-swarm.ts)`);
    }
    this.now = options.now ?? Date.now;
    this.avoid = new AvoidList(this.now, options.avoidMs ?? AVOID_MS);
    this.ourId = options.peerId ?? globalThis.crypto.getRandomValues(new Uint8Array(20));
    if (this.ourId.length !== 20) throw new Error('net: peer id must be 20 bytes');
    this.maxPeers = options.maxPeers ?? 50;
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const { sockets, transports } = this;
    this.hooks = {
      infoHash: options.infoHash,
      attach: options.attach,
      peerId: this.ourId,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      pex: options.pex ?? true,
      sockets,
      listenPort: () => (this.port > 0 ? this.port : undefined),
      isClosing: () => this.closed,
      onPexPeer: (address) => this.addPeer(address, 'pex'),
      onPeerId: (conn, id) => this.checkDuplicate(conn, id),
      onOpen: (conn) => this.opened(conn),
      onEnd: (conn, reason, kind) => this.ended(conn, reason, kind),
    };
    this.dialer = new Dialer({
      now: this.now,
      avoid: this.avoid,
      dial:
        sockets && transports.length > 0
          ? (address) =>
              sockets.dialFirst(address, transports, this.listeners, timeoutMs, this.abort.signal)
          : undefined,
      isClosing: () => this.closed,
      hasRoom: () => this.hasRoom(),
      connectedKeys: () => this.connectedKeys(),
      adopt: (stream, transport, candidate) =>
        this.adopt(stream, transport, 'out', candidate.address, candidate),
      report: (event) => this.report(event),
    });
  }

  /** The port both listeners are bound to (0 with no transports). */
  get port(): number {
    return this.listeners.port;
  }

  /** Our peer id (hex), as peers see it in the handshake. */
  get peerId(): string {
    return toHex(this.ourId);
  }

  /** Whether uTP is listening (it may have failed to bind: see onWarning). */
  get utpListening(): boolean {
    return this.listeners.utp !== undefined;
  }

  /** The OnPeer sink for every discovery source (pass it as is); validates, never throws. */
  readonly addPeer: (address: PeerAddress, source: string) => AddResult = (address, source) =>
    this.dialer.add(address, source);

  /**
   * Takes a connected stream found elsewhere (a WebRTC data channel) as a peer, if a slot is free
   * and its remote end (when known) is not avoided; otherwise destroys it. `direction` 'out'
   * makes us the BitTorrent initiator (for WebRTC: the side that made the offer).
   */
  adoptStream(
    stream: ByteStream,
    transport: PeerTransport,
    direction: 'in' | 'out',
    remote?: PeerAddress,
  ): boolean {
    const clean =
      remote && isDialable(remote) ? { ...remote, host: normaliseHost(remote.host) } : undefined;
    if (this.closed || !this.hasRoom() || (clean && this.avoid.has(addressKey(clean)))) {
      stream.destroy();
      return false;
    }
    this.adopt(stream, transport, direction, clean, undefined);
    return true;
  }

  /** Whether a new connection would be taken now (not closed, fewer than maxPeers). */
  hasFreeSlot(): boolean {
    return !this.closed && this.hasRoom();
  }

  /** Whether `address` is on the avoid list now. */
  isAvoided(address: PeerAddress): boolean {
    return this.avoid.has(addressKey({ host: normaliseHost(address.host), port: address.port }));
  }

  /** Every connection, handshaking or open, for status output. */
  peers(): PeerInfo[] {
    return [...this.conns].map(peerInfo);
  }

  /** Drops every peer, stops dialling and listening; resolves once the ports are released. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      clearInterval(this.ticker);
      this.abort.abort();
      for (const c of this.conns) c.attached?.destroy('swarm closed');
      await Promise.allSettled([this.dialer.stop(), ...this.closingChannels]);
      await Promise.all([this.listeners.tcp?.close(), this.listeners.utp?.close()]);
    })();
    return this.closing;
  }

  private hasRoom(): boolean {
    return this.conns.size + this.dialer.pendingCount < this.maxPeers;
  }

  /** Listen addresses we are connected to (dialled, or told by accepted peers). */
  private connectedKeys(): Set<string> {
    const keys = new Set<string>();
    for (const c of this.conns) {
      const listen = listenAddress(c);
      if (listen) keys.add(addressKey(listen));
    }
    return keys;
  }

  private accept(stream: ByteStream, transport: TransportName, remote: PeerAddress): void {
    if (this.closed || !this.hasRoom()) {
      stream.destroy();
      return;
    }
    this.adopt(stream, transport, 'in', remote, undefined);
  }

  private adopt(
    stream: ByteStream,
    transport: PeerTransport,
    direction: 'in' | 'out',
    remote: PeerAddress | undefined,
    candidate: Candidate | undefined,
  ): void {
    if (transport === 'webrtc') {
      const closed = new Promise<void>((resolve) => stream.on('close', () => resolve()));
      this.closingChannels.add(closed);
      void closed.then(() => this.closingChannels.delete(closed));
    }
    const init = { transport, direction, remote, candidate };
    attachConnection(stream, init, this.hooks, (conn) => this.conns.add(conn));
  }

  private checkDuplicate(conn: Connection, id: string): string | undefined {
    for (const other of this.conns) {
      if (other === conn || other.attached?.peerId !== id) continue;
      if (duplicateLoser(conn, other, this.peerId, id) === 'incoming') {
        return 'duplicate connection';
      }
      other.attached.destroy('duplicate connection', 'refused');
    }
    return undefined;
  }

  private opened(conn: Connection): void {
    conn.open = true;
    if (conn.candidate) this.dialer.opened(conn.candidate);
    this.report({ type: 'connected', peer: peerInfo(conn) });
    if (this.hooks.pex) startPex(conn, this.conns, this.now);
  }

  private ended(conn: Connection, reason: string, kind: EndKind): void {
    this.conns.delete(conn);
    stopPex(conn);
    const listen = listenAddress(conn);
    const { candidate } = conn;
    // A WebRTC peer has no listen address: its data channel's remote end is the best we have.
    const avoidable = listen ?? (conn.transport === 'webrtc' ? conn.remote : undefined);
    if (avoidable && (kind === 'misbehaved' || kind === 'self' || kind === 'unfit')) {
      this.avoid.add(addressKey(avoidable), reason);
    }
    const retryMs = candidate ? this.dialer.ended(candidate, kind, conn.open) : undefined;
    if (conn.open) this.report({ type: 'disconnected', peer: peerInfo(conn), reason, kind });
    else if (candidate) {
      const { host, port } = candidate.address;
      this.report({ type: 'dial-failed', host, port, source: conn.source, reason, retryMs });
    }
    this.dialer.fill();
  }

  private report(event: PeerEvent): void {
    try {
      this.options.onPeersChanged?.(event);
    } catch (e) {
      this.warn(`onPeersChanged threw: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private warn(message: string): void {
    try {
      this.options.onWarning?.(message);
    } catch {
      // a broken warning sink must not take the swarm down
    }
  }
}
