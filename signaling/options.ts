// Command-line flags and environment for the server, turned into SignalingOptions or one clear
// error line. Flags win over the environment. ICE credentials are never echoed in errors.
import type { IceServer, SignalingOptions } from './server';

export const SERVE_USAGE = `Options:
  --port N           port to listen on (default 8080; env PEERFOLD_PORT or PORT; 0 = any free)
  --host HOST        address to listen on (default 127.0.0.1, this machine only;
                     0.0.0.0 to serve the network; env PEERFOLD_HOST)
  --tracker URL      ws:// or wss:// tracker the app should use, repeatable (default: this
                     server; env PEERFOLD_TRACKERS, separated by commas or spaces)
  --ice SERVER       STUN/TURN server for the app, repeatable: stun:HOST[:PORT],
                     turn:USER:PASS@HOST[:PORT][?transport=tcp], or RTCIceServer JSON
                     (env PEERFOLD_ICE_SERVERS: a JSON array or servers separated by spaces)
  --app-dir DIR      built app to serve (default dist/app; env PEERFOLD_APP_DIR)
  --trust-proxy      behind a reverse proxy: use X-Forwarded-For/-Proto (env PEERFOLD_TRUST_PROXY=1)
`;

export const DEFAULT_PORT = 8080;
/** Loopback by default: a local `npm start` should not open the app to the whole network. */
export const DEFAULT_HOST = '127.0.0.1';

export type ParsedServeOptions =
  | { ok: true; help: boolean; options: SignalingOptions; rest: string[] }
  | { ok: false; error: string };

type Env = Record<string, string | undefined>;

const VALUE_FLAGS = new Set(['--port', '--host', '--tracker', '--ice', '--app-dir']);

/**
 * Parses `argv` (the arguments after `serve`) and `env`. Unknown arguments are an error unless
 * `allowUnknown`, in which case they are returned in `rest` for the caller's own flags.
 */
export function parseServeOptions(
  argv: readonly string[],
  env: Env,
  allowUnknown = false,
): ParsedServeOptions {
  const flags = new Map<string, string[]>();
  const rest: string[] = [];
  let help = false;
  let trustProxy = isTrue(env.PEERFOLD_TRUST_PROXY);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--help' || name === '-h') help = true;
    else if (name === '--trust-proxy') trustProxy = true;
    else if (VALUE_FLAGS.has(name)) {
      const value = eq > 0 && name !== arg ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) return fail(`${name} needs a value`);
      flags.set(name, [...(flags.get(name) ?? []), value]);
    } else if (allowUnknown) rest.push(arg);
    else return fail(`unknown option ${arg} (see --help)`);
  }

  const portText = last(flags.get('--port')) ?? env.PEERFOLD_PORT ?? env.PORT;
  const port = portText === undefined ? DEFAULT_PORT : parsePort(portText);
  if (port === undefined) return fail(`invalid port ${portText} (expected 0 to 65535)`);

  const host = last(flags.get('--host')) ?? env.PEERFOLD_HOST ?? DEFAULT_HOST;
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) return fail(`invalid host ${host}`);

  const trackerList = flags.get('--tracker') ?? splitList(env.PEERFOLD_TRACKERS);
  const badTracker = trackerList.find((t) => !isTrackerUrl(t));
  if (badTracker !== undefined)
    return fail(`invalid tracker ${badTracker} (expected ws:// or wss://)`);

  const iceServers = parseIceList(flags.get('--ice'), env.PEERFOLD_ICE_SERVERS);
  if (typeof iceServers === 'string') return fail(iceServers);

  const options: SignalingOptions = { port, host, trustProxy };
  if (trackerList.length > 0) options.trackers = trackerList;
  if (iceServers.length > 0) options.iceServers = iceServers;
  const appDir = last(flags.get('--app-dir')) ?? env.PEERFOLD_APP_DIR;
  if (appDir !== undefined && appDir !== '') options.appDir = appDir;
  return { ok: true, help, options, rest };
}

function fail(error: string): ParsedServeOptions {
  return { ok: false, error };
}

function last(values: string[] | undefined): string | undefined {
  return values?.[values.length - 1];
}

function isTrue(value: string | undefined): boolean {
  return value === '1' || value?.toLowerCase() === 'true' || value?.toLowerCase() === 'yes';
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

function splitList(text: string | undefined): string[] {
  return (text ?? '').split(/[\s,]+/).filter((s) => s !== '');
}

function isTrackerUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'ws:' || url.protocol === 'wss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const ICE_HELP = 'expected stun:HOST[:PORT], turn:USER:PASS@HOST[:PORT] or RTCIceServer JSON';
const ICE_URL =
  /^(stuns?|turns?):((?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:\?transport=(?:udp|tcp))?)$/;

function parseIceList(
  flagValues: string[] | undefined,
  envValue: string | undefined,
): IceServer[] | string {
  let specs: unknown[];
  if (flagValues) specs = flagValues;
  else if (envValue?.trim().startsWith('[')) {
    try {
      specs = JSON.parse(envValue) as unknown[];
    } catch {
      return `invalid PEERFOLD_ICE_SERVERS (${ICE_HELP})`;
    }
  } else specs = splitList(envValue);
  const servers: IceServer[] = [];
  for (const [i, spec] of specs.entries()) {
    const server = typeof spec === 'string' ? parseIceSpec(spec) : iceFromObject(spec);
    // The position, never the value: it may hold a TURN password.
    if (!server) return `invalid ICE server #${i + 1} (${ICE_HELP})`;
    servers.push(server);
  }
  return servers;
}

/** `stun:host:port`, `turn:user:pass@host:port?transport=tcp`, or a JSON object. */
export function parseIceSpec(spec: string): IceServer | undefined {
  if (spec.trim().startsWith('{')) {
    try {
      return iceFromObject(JSON.parse(spec));
    } catch {
      return undefined;
    }
  }
  const colon = spec.indexOf(':');
  const scheme = spec.slice(0, colon);
  const at = spec.lastIndexOf('@');
  if (at < 0) return ICE_URL.test(spec) ? { urls: spec } : undefined;
  if (scheme !== 'turn' && scheme !== 'turns') return undefined;
  const credentials = spec.slice(colon + 1, at);
  const split = credentials.indexOf(':');
  const urls = `${scheme}:${spec.slice(at + 1)}`;
  if (split <= 0 || split === credentials.length - 1 || !ICE_URL.test(urls)) return undefined;
  try {
    const username = decodeURIComponent(credentials.slice(0, split));
    const credential = decodeURIComponent(credentials.slice(split + 1));
    return { urls, username, credential };
  } catch {
    return undefined;
  }
}

function iceFromObject(value: unknown): IceServer | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { urls, username, credential } = value as Record<string, unknown>;
  const list = Array.isArray(urls) ? urls : [urls];
  if (list.length === 0 || !list.every((u) => typeof u === 'string' && ICE_URL.test(u))) {
    return undefined;
  }
  if (username !== undefined && typeof username !== 'string') return undefined;
  if (credential !== undefined && typeof credential !== 'string') return undefined;
  const server: IceServer = { urls: urls as string | string[] };
  if (username !== undefined) server.username = username;
  if (credential !== undefined) server.credential = credential;
  return server;
}
