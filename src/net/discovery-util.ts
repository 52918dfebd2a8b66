/**
 * Small checks shared by the DHT, tracker and LAN discovery adapters: options are checked once
 * at start (a clear error there, not a crash later), and every address a peer, tracker or DHT
 * node hands us is parsed and checked here before anyone sees it.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { PeerfoldError } from '../core/errors';
import { isDialable, type DiscoveryOptions, type PeerAddress } from './discovery';

/** Throws unless `port` is a usable unicast port (1-65535). */
export function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PeerfoldError('malformed', `${what}: port ${String(port)} is not in 1-65535`);
  }
}

/** The checks every discovery adapter makes on its common options. */
export function checkDiscoveryOptions(options: DiscoveryOptions, what: string): void {
  if (!(options.infoHash instanceof Uint8Array) || options.infoHash.length !== 20) {
    throw new PeerfoldError('malformed', `${what}: the discovery key must be 20 bytes`);
  }
  checkPort(options.port, what);
}

/**
 * Parses `host:port`, `[v6]:port` or bare `v6:port` text from an untrusted source; undefined
 * unless the result is dialable.
 */
export function parseHostPort(text: string): PeerAddress | undefined {
  if (typeof text !== 'string' || text.length > 300) return undefined;
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (!isIP(host) && !/^[a-z0-9.-]+$/i.test(host)) return undefined;
  const peer = { host, port: Number(portText) };
  return isDialable(peer) ? peer : undefined;
}

/** True for addresses of this machine: loopback and the interfaces' own addresses. */
export function isLocalAddress(host: string): boolean {
  if (host.startsWith('127.') || host === '::1' || host === 'localhost') return true;
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) if (info.address === host) return true;
  }
  return false;
}

/**
 * Passes warnings on, but the same text at most once per `windowMs`: a public DHT or a busy
 * LAN repeats the same complaint many times a second.
 */
export function quietWarnings(
  onWarning: ((message: string) => void) | undefined,
  windowMs = 60_000,
): (message: string) => void {
  const lastSent = new Map<string, number>();
  return (message) => {
    if (!onWarning) return;
    const now = Date.now();
    const last = lastSent.get(message);
    if (last !== undefined && now - last < windowMs) return;
    if (lastSent.size >= 256) lastSent.clear();
    lastSent.set(message, now);
    onWarning(message);
  };
}

/** An Error's message, or the value as text (libraries emit both). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
