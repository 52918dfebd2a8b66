/**
 * The connection manager for one share: listens on TCP and uTP (one port number), dials the
 * addresses that discovery sources report (`addPeer`, the OnPeer sink), and runs a Peerfold
 * session on every connection. It keeps at most `maxPeers` connections, one per remote peer
 * id, drops connections to itself, backs off from addresses that fail, avoids for a while the
 * addresses of peers that broke the protocol, and exchanges peers (PEX) with proven peers.
 *
 * Dialling tries TCP first and falls back to uTP: a refused TCP connect fails at once, while an
 * unanswered uTP connect only times out, and racing both would open two connections to most
 * peers only to drop one. An address reported while no slot is free waits in the address book.
 *
 * WebRTC peers arrive as ready streams (`adoptStream`, fed by webrtc.ts from WebSocket
 * trackers): they share the slots and the one-connection-per-peer-id rule, but have no address
 * to dial or advertise. A swarm with no transports takes only those.
 */
import { randomBytes } from 'node:crypto';
import { toHex } from '../core/bytes';
import { TICK_INTERVAL_MS } from '../core/session';
import { AvoidList, AVOID_MS } from './avoid-list';
import { isDialable, type PeerAddress } from './discovery';
import type { EndKind } from './extension';
import { addressKey, FIRST_RETRY_MS, PeerBook, type Candidate } from './peer-book';
import { PEX_EXTENSION } from './pex';
import { attachStream, type ByteStream } from './stream-peer';
import type { AddResult, SwarmOptions } from './swarm-options';
import { heardPex, startPex, stopPex } from './swarm-pex';
import { bindListeners, dialFirst, type Listeners } from './swarm-transports';
import {
  duplicateLoser,
  listenAddress,
  peerInfo,
  type Connection,
  type PeerEvent,
  type PeerInfo,
} from './swarm-peers';
import { normaliseHost, type PeerTransport, type TransportName } from './transport';
import { closeUtp } from './utp';

export type { PeerEvent, PeerInfo } from './swarm-peers';
export type { AddResult, SwarmOptions } from './swarm-options';

/** A connection refused as a duplicate is not redialled before this. */
const DUPLICATE_RETRY_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 8_000;

export class Swarm {
  private readonly conns = new Set<Connection>();
  private readonly book: PeerBook;
  private readonly avoid: AvoidList;
  private readonly now: () => number;
  private readonly ourId: Uint8Array;
  private readonly maxPeers: number;
  private readonly transports: readonly TransportName[];
  private readonly abort = new AbortController();
  private readonly pendingDials = new Set<Promise<void>>();
  /** WebRTC streams not closed yet: close() waits for them (see channelStream). */
  private readonly closingChannels = new Set<Promise<void>>();
  private listeners: Listeners = { port: 0, tcp: undefined, utp: undefined };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private closing: Promise<void> | undefined;

  /** Binds the listeners and returns the running swarm. */
  static async start(options: SwarmOptions): Promise<Swarm> {
    const swarm = new Swarm(options);
    if (swarm.transports.length > 0) {
      swarm.listeners = await bindListeners({
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
    this.now = options.now ?? Date.now;
    this.book = new PeerBook(this.now);
    this.avoid = new AvoidList(this.now, options.avoidMs ?? AVOID_MS);
    this.ourId = options.peerId ?? new Uint8Array(randomBytes(20));
    if (this.ourId.length !== 20) throw new Error('net: peer id must be 20 bytes');
    this.maxPeers = options.maxPeers ?? 50;
    this.transports = options.transports ?? ['tcp', 'utp'];
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
  readonly addPeer: (address: PeerAddress, source: string) => AddResult = (address, source) => {
    if (this.closing) return 'closed';
    if (!isDialable(address)) return 'invalid';
    if (this.transports.length === 0) return 'no-transport';
    const clean = { host: normaliseHost(address.host), port: address.port };
    const key = addressKey(clean);
    if (this.avoid.has(key)) return 'avoided';
    if (this.connectedKeys().has(key)) return 'already';
    const candidate = this.book.add(clean, String(source).slice(0, 32));
    if (!candidate) return 'dropped';
    if (candidate.busy) return 'already';
    if (candidate.retryAt > this.now() || !this.hasRoom()) {
      this.schedule();
      return 'queued';
    }
    this.dial(candidate);
    return 'dialing';
  };

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
    if (this.closing || !this.hasRoom() || (clean && this.avoid.has(addressKey(clean)))) {
      stream.destroy();
      return false;
    }
    this.adopt(stream, transport, direction, clean, undefined);
    return true;
  }

  /** Whether a new connection would be taken now (not closed, fewer than maxPeers). */
  hasFreeSlot(): boolean {
    return !this.closing && this.hasRoom();
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
    this.closing ??= (async () => {
      clearTimeout(this.timer);
      clearInterval(this.ticker);
      this.abort.abort();
      for (const c of this.conns) c.attached?.destroy('swarm closed');
      await Promise.allSettled([...this.pendingDials, ...this.closingChannels]);
      await Promise.all([this.listeners.tcp?.close(), this.listeners.utp?.close()]);
    })();
    return this.closing;
  }

  private hasRoom(): boolean {
    return this.conns.size + this.pendingDials.size < this.maxPeers;
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

  /** Dials waiting addresses while slots are free, then sleeps until the next backoff ends. */
  private fill(): void {
    if (this.closing) return;
    const connected = this.connectedKeys();
    for (const c of this.book.ready()) {
      if (!this.hasRoom()) break;
      if (this.avoid.has(c.key)) this.book.delete(c.key);
      else if (connected.has(c.key)) this.book.release(c, DUPLICATE_RETRY_MS);
      else this.dial(c);
    }
    this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closing || !this.hasRoom()) return;
    const next = this.book.nextRetryAt();
    if (next === undefined) return;
    this.timer = setTimeout(() => this.fill(), Math.max(0, next - this.now()));
  }

  private dial(candidate: Candidate): void {
    candidate.busy = true;
    const attempt = dialFirst(
      candidate.address,
      this.transports,
      this.listeners,
      this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      this.abort.signal,
    ).then(
      ({ stream, transport }) => {
        this.pendingDials.delete(attempt);
        if (this.closing) stream.destroy();
        else this.adopt(stream, transport, 'out', candidate.address, candidate);
      },
      (e: unknown) => {
        this.pendingDials.delete(attempt);
        if (this.closing) return;
        const retryMs = this.book.failed(candidate);
        const reason = e instanceof Error ? e.message : String(e);
        this.report({
          type: 'dial-failed',
          ...candidate.address,
          source: candidate.source,
          reason,
          retryMs,
        });
        this.fill();
      },
    );
    this.pendingDials.add(attempt);
  }

  private accept(stream: ByteStream, transport: TransportName, remote: PeerAddress): void {
    if (this.closing || !this.hasRoom()) {
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
    const source = candidate?.source ?? 'incoming';
    const conn: Connection = {
      transport,
      direction,
      source,
      remote,
      candidate,
      attached: undefined,
      open: false,
      pex: undefined,
      pexTimer: undefined,
    };
    this.conns.add(conn);
    if (transport === 'webrtc') {
      const closed = new Promise<void>((resolve) => stream.on('close', () => resolve()));
      this.closingChannels.add(closed);
      void closed.then(() => this.closingChannels.delete(closed));
    }
    const pex = this.options.pex ?? true;
    conn.attached = attachStream(
      stream,
      {
        infoHash: this.options.infoHash,
        attach: this.options.attach,
        peerId: this.ourId,
        listenPort: this.port > 0 ? this.port : undefined,
        handshakeTimeoutMs: this.options.handshakeTimeoutMs,
        closeStream: transport === 'utp' ? closeUtp : undefined,
        extensions: pex ? [PEX_EXTENSION] : [],
        onExtension: (_name, payload) => {
          if (this.closing) return;
          for (const address of heardPex(conn, payload)) this.addPeer(address, 'pex');
        },
        onPeerId: (id) => this.checkDuplicate(conn, id),
        onOpen: () => this.opened(conn),
        onEnd: (reason, kind) => this.ended(conn, reason, kind),
      },
      direction === 'out',
    );
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
    if (conn.candidate) this.book.succeeded(conn.candidate);
    this.report({ type: 'connected', peer: peerInfo(conn) });
    if (this.options.pex ?? true) startPex(conn, this.conns, this.now);
  }

  private ended(conn: Connection, reason: string, kind: EndKind): void {
    this.conns.delete(conn);
    stopPex(conn);
    const listen = listenAddress(conn);
    const { candidate } = conn;
    // A WebRTC peer has no listen address: its data channel's remote end is the best we have.
    const avoidable = listen ?? (conn.transport === 'webrtc' ? conn.remote : undefined);
    let retryMs: number | undefined;
    if (kind === 'misbehaved' || kind === 'self' || kind === 'unfit') {
      if (avoidable) this.avoid.add(addressKey(avoidable), reason);
      if (candidate) this.book.delete(candidate.key);
    } else if (candidate) {
      if (kind === 'refused') this.book.release(candidate, DUPLICATE_RETRY_MS);
      else if (conn.open) this.book.release(candidate, FIRST_RETRY_MS);
      else retryMs = this.book.failed(candidate);
    }
    if (conn.open) this.report({ type: 'disconnected', peer: peerInfo(conn), reason, kind });
    else if (candidate) {
      const { host, port } = candidate.address;
      this.report({ type: 'dial-failed', host, port, source: conn.source, reason, retryMs });
    }
    this.fill();
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

/** Starts a swarm for one share (see Swarm). */
export function startSwarm(options: SwarmOptions): Promise<Swarm> {
  return Swarm.start(options);
}
