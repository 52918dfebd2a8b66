/**
 * A running share's peers in the worker: a Swarm with no transports of its own (a worker can
 * neither listen nor dial) that takes the WebRTC data channels the page connects and transfers
 * here. The swarm keeps its rules as in Node: a bounded number of peers, one connection per
 * peer id, misbehaving peers dropped. A channel is taken only once it is open (an offer that is
 * never answered costs no slot); when its stream ends, the page is told so it closes the
 * connection. Also what the status shows of peers and of what is arriving.
 */
import type { PeerView, TransferView } from '../engine/api';
import type { ShareEngine } from '../engine/share';
import { openDataChannel } from '../net/data-channel-stream';
import { Swarm, type PeerInfo } from '../net/swarm';

/** Browser tabs keep fewer connections than a Node peer. */
const MAX_PEERS = 20;
/** A channel not open this long after it arrived is given up (its offer went unanswered). */
const OPEN_TIMEOUT_MS = 60_000;
/** Speed is measured over this window. */
const SPEED_WINDOW_MS = 5_000;

export interface PeersReport {
  /** Peers came, went, or moved bytes: the status should be posted again. */
  changed(): void;
  /** The worker is done with the page's connection `link`. */
  linkEnded(link: number): void;
}

export interface PeersSnapshot {
  readonly peers: number;
  readonly peerList: PeerView[];
  readonly transfer: TransferView | undefined;
}

export class SharePeers {
  private swarm: Swarm | undefined;
  /** Channels are taken from `accept()` on (the engine may still be starting) until `stop()`. */
  private accepting = false;
  /** Resolves with the swarm once started; undefined once stopped. */
  private started: Promise<Swarm | undefined> = Promise.resolve(undefined);
  private startedNow: (swarm: Swarm | undefined) => void = () => undefined;
  private engine: ShareEngine | undefined;
  /** Channels handed over and not ended yet, by link. */
  private readonly links = new Map<number, { close(): void }>();
  /** [time, bytes received by the replica] samples for the speed. */
  private samples: [number, number][] = [];
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly infoHash: Uint8Array,
    private readonly report: PeersReport,
  ) {}

  /** The share is starting: channels arriving now wait for `start`. */
  accept(): void {
    if (this.accepting) return;
    this.accepting = true;
    this.started = new Promise((resolve) => (this.startedNow = resolve));
  }

  async start(engine: ShareEngine): Promise<void> {
    this.accept();
    this.engine = engine;
    this.swarm = await Swarm.start({
      infoHash: this.infoHash,
      attach: (send, events) => engine.connect(send, events),
      transports: [],
      pex: false,
      maxPeers: MAX_PEERS,
      onPeersChanged: () => this.report.changed(),
    });
    this.ticker = setInterval(() => this.tick(), 1_000);
    this.startedNow(this.swarm);
  }

  /** Drops every peer; channels arriving until the next start are closed at once. */
  async stop(): Promise<void> {
    clearInterval(this.ticker);
    const swarm = this.swarm;
    this.swarm = this.engine = undefined;
    this.accepting = false;
    this.startedNow(undefined);
    this.samples = [];
    for (const link of this.links.values()) link.close();
    await swarm?.close();
  }

  /** A data channel from the page; closed (and reported ended) if it cannot be used. */
  take(link: number, initiator: boolean, channel: RTCDataChannel): void {
    if (!this.accepting || this.links.has(link)) {
      closeQuietly(channel);
      this.report.linkEnded(link);
      return;
    }
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      this.links.delete(link);
      this.report.linkEnded(link);
    };
    this.links.set(link, { close: () => closeQuietly(channel) });
    const started = this.started;
    openDataChannel(channel, { timeoutMs: OPEN_TIMEOUT_MS, initiator }).then(async (stream) => {
      stream.on('close', end);
      const swarm = await started;
      if (!this.links.has(link) || !swarm || swarm !== this.swarm) return stream.destroy();
      // adoptStream destroys the stream when no slot is free.
      swarm.adoptStream(stream, 'webrtc', initiator ? 'out' : 'in');
    }, end);
  }

  snapshot(): PeersSnapshot {
    const infos = this.swarm?.peers() ?? [];
    const peerList = infos.map(peerView);
    return {
      peers: peerList.filter((p) => p.state === 'open').length,
      peerList,
      transfer: this.transfer(),
    };
  }

  private transfer(): TransferView | undefined {
    const progress = this.engine?.replica.progress();
    if (!progress || (progress.objectsPending === 0 && progress.headsPending === 0)) {
      return undefined;
    }
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const seconds = first && last ? (last[0] - first[0]) / 1000 : 0;
    return {
      objectsPending: progress.objectsPending,
      bytesReceived: progress.bytesReceived,
      bytesPendingEstimate: progress.bytesPendingEstimate,
      bytesPerSecond: seconds > 0 ? Math.round((last![1] - first![1]) / seconds) : 0,
    };
  }

  /** Samples the bytes received for the speed, and posts while peers are connected. */
  private tick(): void {
    const swarm = this.swarm;
    if (!swarm) return;
    const now = Date.now();
    const received = swarm.peers().reduce((sum, p) => sum + (p.stats?.bytesReceived ?? 0), 0);
    const last = this.samples[this.samples.length - 1];
    // A peer leaving takes its count with it: start the window again.
    if (last && received < last[1]) this.samples = [];
    this.samples.push([now, received]);
    while (this.samples.length > 1 && now - this.samples[0]![0] > SPEED_WINDOW_MS) {
      this.samples.shift();
    }
    if (this.links.size > 0) this.report.changed();
  }
}

function peerView(info: PeerInfo): PeerView {
  return {
    transport: info.transport,
    direction: info.direction,
    state: info.state,
    ...(info.role && { role: info.role }),
    bytesReceived: info.stats?.bytesReceived ?? 0,
    bytesSent: info.stats?.bytesSent ?? 0,
  };
}

function closeQuietly(channel: RTCDataChannel): void {
  try {
    channel.close();
  } catch {
    // already closed
  }
}
