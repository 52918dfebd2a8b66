/**
 * `peerfold share` once its arguments are checked: opens the folder and the share's data
 * folder, takes the lock, starts the engine, the watcher and the network, reports events, and
 * shuts down cleanly on SIGINT/SIGTERM (stop watching, close peers, persist, release the lock).
 * `startShare` is the same without the signals, for `peerfold serve`'s replicas.
 */
import { join } from 'node:path';
import { discoveryKey, type Capability } from '../core/capability';
import { isPeerfoldError } from '../core/errors';
import { shareId } from '../engine/marker';
import { ShareEngine } from '../engine/share';
import { watchShare } from '../engine/watch';
import type { PeerAddress } from '../net/discovery';
import { FsStateStore } from '../storage/fs-state-store';
import { NodeDrive } from '../storage/node-drive';
import { PackObjectStore } from '../storage/pack-object-store';
import { acquireLock, deviceId, ensureDir, readJson, readShareRecord } from './data-dir';
import { shareDir, writeShareRecord } from './data-dir';
import { runtimeError } from './errors';
import { startNetwork, type Network } from './network';
import type { Printer } from './output';
import { ShareMonitor } from './share-monitor';
import { describeEvent, type ShareEvent } from './share-events';
import { sendEndOfCandidates } from '../net/gathering-complete';

export interface ShareRun {
  readonly capability: Capability;
  /** The folder (absolute), absent for a Store replica. */
  readonly dir: string | undefined;
  readonly data: string;
  readonly port: number;
  readonly host: string;
  /** False: WebRTC only (no TCP/uTP listening or dialling). */
  readonly tcp: boolean;
  readonly peers: readonly PeerAddress[];
  /** http(s), udp and ws(s) trackers; a ws(s) one brings in the WebRTC implementation. */
  readonly trackers: readonly string[];
  /** RTCPeerConnection configuration (ICE servers) for WebRTC peers. */
  readonly rtcConfig?: unknown;
  readonly dht: boolean;
  readonly dhtBootstrap: readonly string[] | undefined;
  readonly lsd: boolean;
  readonly lsdPort: number | undefined;
  readonly lsdInterfaces: readonly string[] | undefined;
  readonly out: Printer;
}

/** Sync may take this long to settle when asked to stop before the process exits anyway. */
const SHUTDOWN_SYNC_MS = 10_000;

export interface RunningShare {
  /** The share's discovery key (hex). */
  readonly id: string;
  /** Stops watching, closes peers, lets sync settle, writes the last status, unlocks. */
  stop(): Promise<void>;
}

export async function runShare(run: ShareRun): Promise<number> {
  const stopping = stopSignal(); // a signal during start-up stops the share once it is up
  const running = await startShare(run);
  const signal = await stopping;
  await running.stop();
  const event: ShareEvent = { event: 'stopped', signal };
  run.out.event(event, describeEvent(event));
  return 0;
}

/** Starts the share and resolves once its network runs; a failure to start is thrown. */
export async function startShare(run: ShareRun): Promise<RunningShare> {
  const { capability: cap, out } = run;
  const emit = (event: ShareEvent): void => out.event(event, describeEvent(event));
  const id = shareId(cap);
  const home = shareDir(run.data, id);
  await ensureDir(home);
  const device = await deviceId(run.data);
  const lock = await acquireLock(home);
  let monitor: ShareMonitor | undefined;
  let stopWatch: (() => void) | undefined;
  let network: Network | undefined;
  let engine: ShareEngine | undefined;
  let store: PackObjectStore | undefined;
  const shutdown = async (): Promise<void> => {
    stopWatch?.();
    await network?.close().catch(() => undefined);
    if (engine) await settle(engine);
    await engine?.close(); // files written ahead and not applied: removed
    await monitor?.stop();
    await store?.close().catch(() => undefined); // its last writes, before the lock goes
    await lock.release();
  };
  try {
    // Opened only under the share's lock: the pack store allows one writer per directory.
    store = await PackObjectStore.open(home);
    const opened = await openEngine(run, home, device, store);
    engine = opened.engine;
    emit({
      event: 'started',
      share: id,
      role: cap.role,
      dir: run.dir ?? null,
      data: home,
      device,
      pid: process.pid,
    });
    monitor = await startMonitor(engine, run, home, emit);
    const watched = engine;
    if (opened.drive) {
      stopWatch = watchShare(watched, opened.drive, {
        onError: (e) => emit({ event: 'warning', message: `watcher: ${String(e)}` }),
      });
    }
    const shown = monitor;
    network = await startNetwork({
      infoHash: discoveryKey(cap),
      attach: (send, events) => watched.connect(send, events),
      port: run.port,
      host: run.host,
      tcp: run.tcp,
      wrtc: await webRtcImplementation(run.trackers),
      rtcConfig: run.rtcConfig,
      peers: run.peers,
      trackers: run.trackers,
      dht: run.dht,
      dhtBootstrap: run.dhtBootstrap,
      lsd: run.lsd,
      lsdPort: run.lsdPort,
      lsdInterfaces: run.lsdInterfaces,
      onEvent: (e) => {
        if (e.event === 'listening') shown.port = e.port;
        if (e.event !== 'peer') return emit(e);
        if (e.action === 'left') shown.peerClosed(e.stats);
        emit({ ...withoutStats(e), peers: shown.peerCount });
        shown.update();
      },
      onReady: (started) => (shown.peerSource = () => started.peers()),
    });
    monitor.update();
    let stopped: Promise<void> | undefined;
    return { id, stop: () => (stopped ??= shutdown()) };
  } catch (e) {
    await shutdown();
    throw e;
  }
}

async function startMonitor(
  engine: ShareEngine,
  run: ShareRun,
  home: string,
  emit: (event: ShareEvent) => void,
): Promise<ShareMonitor> {
  const file = join(home, 'status.json');
  const previous = (await readJson(file)) as { lastSync?: unknown } | undefined;
  const monitor = new ShareMonitor(engine, {
    file,
    role: run.capability.role,
    dir: run.dir ?? null,
    lastSync: typeof previous?.lastSync === 'number' ? previous.lastSync : null,
    onStatus: (r) => emit({ event: 'status', ...r }),
    onProgress: (p) => {
      run.out.event({ event: 'progress', ...p }); // a JSON line; people get the progress line
      if (p.pending > 0) run.out.progress(describeEvent({ event: 'progress', ...p })!);
    },
    onWarning: (message) => emit({ event: 'warning', message }),
    onWriteError: (e) =>
      emit({ event: 'warning', message: `cannot write status.json: ${String(e)}` }),
  });
  monitor.start();
  return monitor;
}

async function openEngine(
  run: ShareRun,
  home: string,
  device: string,
  store: PackObjectStore,
): Promise<{ engine: ShareEngine; drive: NodeDrive | undefined }> {
  const cap = run.capability;
  const record = await readShareRecord(home);
  if (run.dir && record?.dir && record.dir !== run.dir) {
    throw runtimeError(
      `this data dir already syncs this share with the folder ${record.dir}; use that folder, or another --data`,
    );
  }
  const drive = run.dir ? await NodeDrive.open(run.dir) : undefined;
  const engine = new ShareEngine({
    capability: cap,
    drive,
    store,
    state: new FsStateStore(join(home, 'state')),
    device,
    now: Date.now,
  });
  try {
    await engine.start();
  } catch (e) {
    if (!isPeerfoldError(e)) throw e;
    const marker = e.code === 'other-share' || e.code === 'unsupported';
    throw runtimeError(marker ? `${run.dir}: ${e.message}` : e.message); // the data, not the input
  }
  // Recorded once the folder is known to be this share's: the local index now describes it.
  await writeShareRecord(home, { role: cap.role, dir: run.dir ?? record?.dir ?? null });
  return { engine, drive };
}

/**
 * node-datachannel's W3C polyfill, loaded only for a share with a ws(s):// tracker. (simple-peer,
 * which bittorrent-tracker uses, reaches node-datachannel through webrtc-polyfill; the
 * implementation given here also switches the WebSocket trackers on.)
 */
export async function webRtcImplementation(trackers: readonly string[]): Promise<unknown> {
  if (!trackers.some((t) => /^wss?:/i.test(t))) return undefined;
  sendEndOfCandidates((await import('webrtc-polyfill')).RTCPeerConnection);
  return (await import('node-datachannel/polyfill')).default;
}

function withoutStats<T extends { stats: unknown }>(e: T): Omit<T, 'stats'> {
  const copy: Partial<T> = { ...e };
  delete copy.stats;
  return copy as Omit<T, 'stats'>;
}

/** Resolves with the name of the first SIGINT or SIGTERM; a second one exits at once. */
export function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const first = (signal: string): void => {
      process.on('SIGINT', () => process.exit(130));
      process.on('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.once('SIGINT', first);
    process.once('SIGTERM', first);
  });
}

/** Lets a pass in progress finish and persist, within a bound. */
async function settle(engine: ShareEngine): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    engine.sync(),
    new Promise<void>((r) => (timer = setTimeout(r, SHUTDOWN_SYNC_MS))),
  ]);
  clearTimeout(timer);
}
