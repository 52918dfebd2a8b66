/**
 * Command-line parsing on node:util's parseArgs (strict), with its errors turned into one clear
 * usage line, and the validators of values given on the command line.
 */
import { isIP } from 'node:net';
import { isDialable, type PeerAddress } from '../net/discovery';
import { echo, usageError } from './errors';

interface ParseArgsError {
  code?: string;
  message: string;
}

/** Runs a parseArgs call, turning its errors into usage errors naming the command. */
export function parseCommand<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    const { code, message } = e as ParseArgsError;
    const option = /'(-{1,2}[^' =<]+)/.exec(message)?.[1] ?? '';
    const hint = `(see peerfold ${command} --help)`;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw usageError(`unknown option ${echo(option)} for ${command} ${hint}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      if (/does not take/.test(message)) throw usageError(`option ${option} takes no value`);
      throw usageError(`option ${option} needs a value ${hint}`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const arg = /argument '([^']*)'/.exec(message)?.[1] ?? '';
      throw usageError(`unexpected argument ${echo(arg)} ${hint}`);
    }
    throw e;
  }
}

/** Whether `--help`/`-h` appears before a `--`. */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export function parsePort(text: string, flag = '--port'): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw usageError(`bad ${flag} ${echo(text)}: expected a number from 0 to 65535`);
  }
  return port;
}

/** `HOST:PORT`, an IPv6 host in brackets (`[::1]:6881`). */
export function parsePeer(text: string, flag = '--peer'): PeerAddress {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([^\s:[\]/]+):(\d{1,5})$/.exec(text);
  const peer = m ? { host: m[1]!, port: Number(m[2]) } : undefined;
  const v6ok = !text.startsWith('[') || (peer !== undefined && isIP(peer.host) === 6);
  if (!peer || !v6ok || !isDialable(peer)) {
    throw usageError(`bad ${flag} ${echo(text)}: expected HOST:PORT, e.g. 192.0.2.7:6881`);
  }
  return peer;
}

const TRACKER_PROTOCOLS = ['http:', 'https:', 'udp:', 'ws:', 'wss:'];

export function parseTracker(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !TRACKER_PROTOCOLS.includes(url.protocol) || url.hash !== '' || !url.hostname) {
    throw usageError(
      `bad --tracker ${echo(text)}: expected an http(s)://, udp:// or ws(s):// tracker URL`,
    );
  }
  return text;
}

/** The base of capability links: an http(s) URL without a fragment. */
export function parseBaseUrl(text: string, source: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.hash !== '') {
    throw usageError(`bad ${source} ${echo(text)}: expected an http(s):// URL without a #`);
  }
  return text.replace(/\/+$/, '');
}
