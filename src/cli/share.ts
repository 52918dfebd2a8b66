/** `peerfold share`: checks the command line and the folder, then runs the share (share-run.ts). */
import { realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { ROLE_NAME, type Capability } from '../core/capability';
import { parseCommand, parsePeer, parsePort, parseTracker } from './args';
import { loadCapability, readCapabilityText } from './capability-input';
import { resolveDataDir } from './data-dir';
import { echo, runtimeError, usageError } from './errors';
import type { CommandContext } from './main';
import { createPrinter } from './output';
import type { ShareRun } from './share-run';

/** The discovery flags `share` and `serve` have in common (parseArgs option specs). */
export const DISCOVERY_OPTIONS = {
  'no-dht': { type: 'boolean' },
  'dht-bootstrap': { type: 'string', multiple: true },
  'no-lsd': { type: 'boolean' },
  'lsd-port': { type: 'string' },
  'lsd-interface': { type: 'string', multiple: true },
} as const;

export interface DiscoveryValues {
  'no-dht'?: boolean | undefined;
  'dht-bootstrap'?: string[] | undefined;
  'no-lsd'?: boolean | undefined;
  'lsd-port'?: string | undefined;
  'lsd-interface'?: string[] | undefined;
}

export type DiscoveryRun = Pick<
  ShareRun,
  'dht' | 'dhtBootstrap' | 'lsd' | 'lsdPort' | 'lsdInterfaces'
>;

/** The DHT and LAN discovery settings, checked. */
export function parseDiscovery(values: DiscoveryValues): DiscoveryRun {
  const dhtBootstrap = values['dht-bootstrap'];
  for (const node of dhtBootstrap ?? []) {
    if (isIP(parsePeer(node, '--dht-bootstrap').host) === 6) {
      throw usageError(`bad --dht-bootstrap ${echo(node)}: the DHT is IPv4 only`);
    }
  }
  if (dhtBootstrap && values['no-dht']) throw usageError('--dht-bootstrap contradicts --no-dht');
  const lsdPort =
    values['lsd-port'] === undefined ? undefined : parsePort(values['lsd-port'], '--lsd-port');
  const lsdInterfaces = values['lsd-interface']?.map((ip) => {
    if (isIP(ip) !== 4)
      throw usageError(`bad --lsd-interface ${echo(ip)}: expected an IPv4 address`);
    return ip;
  });
  if ((lsdPort !== undefined || lsdInterfaces) && values['no-lsd']) {
    throw usageError('--lsd-port and --lsd-interface contradict --no-lsd');
  }
  return { dht: !values['no-dht'], dhtBootstrap, lsd: !values['no-lsd'], lsdPort, lsdInterfaces };
}

const isWebSocketTracker = (url: string): boolean => /^wss?:/i.test(url);

/** `--webrtc-only`: what it contradicts, and that it has a way to meet peers. */
function checkWebRtcOnly(
  values: DiscoveryValues & { port?: string; host?: string; peer?: string[] },
  trackers: readonly string[],
): void {
  const contradicting = [
    ['--port', values.port !== undefined],
    ['--host', values.host !== undefined],
    ['--peer', values.peer !== undefined],
    ['--dht-bootstrap', values['dht-bootstrap'] !== undefined],
    ['--lsd-port', values['lsd-port'] !== undefined],
    ['--lsd-interface', values['lsd-interface'] !== undefined],
    ['an http(s) or udp --tracker', trackers.some((t) => !isWebSocketTracker(t))],
  ] as const;
  const found = contradicting.find(([, given]) => given);
  if (found) throw usageError(`${found[0]} contradicts --webrtc-only (no TCP, uTP or DHT)`);
  if (!trackers.some(isWebSocketTracker)) {
    throw usageError('--webrtc-only needs a ws:// or wss:// --tracker to meet peers');
  }
}

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommand('share', () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        id: { type: 'string' },
        'id-file': { type: 'string' },
        dir: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        peer: { type: 'string', multiple: true },
        tracker: { type: 'string', multiple: true },
        'webrtc-only': { type: 'boolean' },
        ...DISCOVERY_OPTIONS,
        data: { type: 'string' },
        json: { type: 'boolean' },
      },
    }),
  );
  const text = await readCapabilityText({ id: values.id, idFile: values['id-file'] }, ctx.env);
  const port = values.port === undefined ? 0 : parsePort(values.port);
  const peers = (values.peer ?? []).map((p) => parsePeer(p));
  const trackers = (values.tracker ?? []).map(parseTracker);
  const host = values.host ?? '0.0.0.0';
  if (values.host !== undefined && !isIP(host)) {
    throw usageError(`bad --host ${echo(host)}: expected an IP address to listen on`);
  }
  const tcp = values['webrtc-only'] !== true;
  if (!tcp) checkWebRtcOnly(values, trackers);
  const discovery = parseDiscovery(values);
  const cap = await loadCapability(text);
  const dir = await folderFor(cap, values.dir);
  const { runShare } = await import('./share-run');
  return runShare({
    capability: cap,
    dir,
    data: resolveDataDir(values.data, ctx.env),
    port,
    host,
    tcp,
    peers,
    trackers,
    ...discovery,
    ...(!tcp && { dht: false, lsd: false }),
    out: createPrinter(values.json === true, ctx.stdout),
  });
}

/** The checked folder for `cap`: none for Store, an existing one for Write and Read. */
export async function folderFor(
  cap: Capability,
  dir: string | undefined,
): Promise<string | undefined> {
  if (cap.role === 'store' && dir !== undefined) {
    throw usageError(
      'a Store capability keeps an encrypted replica and has no folder: drop --dir (it cannot read files)',
    );
  }
  if (cap.role !== 'store' && dir === undefined) {
    throw usageError(`a ${ROLE_NAME[cap.role]} capability needs --dir FOLDER`);
  }
  return dir === undefined ? undefined : checkFolder(resolve(dir));
}

/** The folder's real path (one folder has one identity in the data dir, however reached). */
async function checkFolder(dir: string): Promise<string> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw runtimeError(`folder ${dir} does not exist`);
  }
  if (!isDir) throw runtimeError(`${dir} is not a folder`);
  return realpath(dir);
}
