/**
 * `peerfold serve`: the signaling/tracker server with the app (signaling/), plus the replicas
 * given with `--share`, each a share run in this process (share-run.ts) that joins its swarm
 * over WebRTC through this very server's tracker and over TCP/uTP/DHT: one always-on process
 * both introduces browsers and keeps their data available (DESIGN.md section 4, the bridge).
 */
import { isIP } from 'node:net';
import type { Capability } from '../core/capability';
import { shareId } from '../engine/marker';
import { parseServeOptions } from '../../signaling/options';
import { loadCapability } from './capability-input';
import { resolveDataDir } from './data-dir';
import { CliError, runtimeError, usageError } from './errors';
import type { CommandContext } from './main';
import { createPrinter, plural, type Printer } from './output';
import { ensureApp, type AppStatus } from './serve-app';
import { parseServeFlags } from './serve-options';
import { folderFor } from './share';
import type { RunningShare } from './share-run';

/** What `serve --json` prints besides its replicas' share events (those carry `replica`). */
type ServeEvent =
  | { event: 'log'; message: string }
  | { event: 'server'; url: string; tracker: string; port: number }
  | { event: 'app'; state: 'building' }
  | ({ event: 'app' } & AppStatus)
  | { event: 'ready'; url: string; replicas: number }
  | { event: 'stopped'; signal: string };

interface Replica {
  readonly capability: Capability;
  readonly dir: string | undefined;
  readonly port: number;
}

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const parsed = parseServeOptions(args, ctx.env, true);
  if (!parsed.ok) throw usageError(withoutCapability(parsed.error));
  const flags = await parseServeFlags(parsed.rest, ctx.env);
  const replicas: Replica[] = [];
  for (const spec of flags.replicas) {
    try {
      const capability = await loadCapability(spec.text);
      replicas.push({ capability, dir: await folderFor(capability, spec.dir), port: spec.port });
    } catch (e) {
      if (e instanceof CliError) throw new CliError(`${spec.origin}: ${e.message}`, e.exitCode);
      throw e;
    }
  }
  const out = createPrinter(flags.json, ctx.stdout);
  const emit = (event: ServeEvent, human?: string): void => out.event(event, human);
  const { startShare, stopSignal } = await import('./share-run');
  const { startSignalingServer } = await import('../../signaling/server');
  const stopping = stopSignal();
  const server = await startSignalingServer({
    ...parsed.options,
    log: (message) => emit({ event: 'log', message }, message),
  }).catch((e: unknown) => {
    throw runtimeError(e instanceof Error ? e.message : String(e)); // e.g. port 8080 is in use
  });
  const running: RunningShare[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(running.map((r) => r.stop()));
    await server.close();
  };
  try {
    emit({ event: 'server', url: server.url, tracker: server.trackerUrl, port: server.port });
    const app = await ensureApp(parsed.options.appDir, () =>
      emit({ event: 'app', state: 'building' }, 'Building the app (vite build)...'),
    );
    emit({ event: 'app', ...app }, describeApp(app));
    const trackers = [
      ...new Set([
        ownTrackerUrl(parsed.options.host, server.port),
        ...(parsed.options.trackers ?? []),
      ]),
    ];
    const iceServers = parsed.options.iceServers ?? [];
    for (const [index, replica] of replicas.entries()) {
      const id = shareId(replica.capability);
      running.push(
        await startShare({
          capability: replica.capability,
          dir: replica.dir,
          data: resolveDataDir(flags.data, ctx.env),
          port: replica.port,
          host: '0.0.0.0',
          tcp: true,
          peers: [],
          trackers,
          ...(iceServers.length > 0 && { rtcConfig: { iceServers } }),
          ...flags.discovery,
          out: replicaPrinter(out, index, id),
        }),
      );
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  const kept = running.length > 0 ? ` (keeping ${plural(running.length, 'replica')})` : '';
  emit(
    { event: 'ready', url: server.url, replicas: running.length },
    `Open ${server.url} in a browser${kept}`,
  );
  const signal = await stopping;
  await stopAll();
  emit({ event: 'stopped', signal }, `stopped (${signal})`);
  return 0;
}

/** The URL the replicas reach this server's tracker at (loopback when it listens everywhere). */
function ownTrackerUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `ws://${isIP(reachable) === 6 ? `[${reachable}]` : reachable}:${port}`;
}

function describeApp(app: AppStatus): string {
  switch (app.state) {
    case 'ready':
      return `Serving the app from ${app.dir}`;
    case 'built':
      return `Built the app into ${app.dir}`;
    case 'missing':
      return `The app is not built (${app.reason}): the tracker runs, the page says so`;
    case 'build-failed':
      return `The app could not be built (${app.reason}): the tracker runs, the page says so`;
  }
}

/** A replica's events: tagged with its index in JSON, its share id before human lines. */
function replicaPrinter(base: Printer, index: number, id: string): Printer {
  const tag = `[share ${id.slice(0, 12)}] `;
  return {
    json: base.json,
    event: (event, human) => {
      const tagged = { ...event, replica: index };
      base.event(tagged, human === undefined ? undefined : tag + human);
    },
    line: (text) => base.line(tag + text),
    progress: (text) => base.progress(tag + text),
  };
}

/** The server's option errors echo values; never one that may be a capability. */
function withoutCapability(message: string): string {
  return /pf(write|read|store)1/i.test(message) || message.includes('#')
    ? 'bad option value (not shown: it looks like a capability; see peerfold serve --help)'
    : message;
}
