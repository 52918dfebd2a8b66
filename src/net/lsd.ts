/**
 * Local service discovery (BEP 14): announce the share's discovery key and our port to a
 * multicast group on the LAN, and report the peers that announce the same key.
 *
 * Our own, not bittorrent-lsd: that module fixes the group and port (parallel tests would hear
 * each other), cannot choose interfaces, and a two-line datagram makes it throw inside a socket
 * handler, which would end the process. Here every datagram is checked before it is believed.
 *
 * Sending: one socket per interface, bound to that interface's address, so each announce leaves
 * by the interface we mean (a kernel picks just one, the default route's, for a plain socket).
 * Receiving: one socket on the group's port that joined the group on every interface. Multicast
 * loopback is on, so two peers on one machine (or on 127.0.0.1 in tests) hear each other; the
 * cookie tells our own announces apart.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { toHex } from '../core/bytes';
import { PeerfoldError } from '../core/errors';
import { isDialable, type Discovery, type DiscoveryOptions } from './discovery';
import {
  checkDiscoveryOptions,
  checkPort,
  errorText,
  isLocalAddress,
  quietWarnings,
} from './discovery-util';

export interface LsdDiscoveryOptions extends DiscoveryOptions {
  /** IPv4 multicast group; BEP 14's 239.192.152.143 by default. */
  readonly group?: string;
  /** The group's UDP port; BEP 14's 6771 by default (tests pick their own to stay apart). */
  readonly lsdPort?: number;
  /**
   * IPv4 addresses of the interfaces to announce and listen on; every non-loopback IPv4
   * interface by default, or loopback when there is none.
   */
  readonly interfaces?: readonly string[];
  /** How often to announce; 5 minutes by default (BEP 14: not more than once a minute). */
  readonly intervalMs?: number;
}

export const LSD_GROUP = '239.192.152.143';
export const LSD_PORT = 6771;
const DEFAULT_INTERVAL_MS = 5 * 60_000;
const HEADER = 'BT-SEARCH * HTTP/1.1';
/** Announces are ~150 bytes; anything larger than one Ethernet payload is not one. */
const MAX_DATAGRAM = 1400;
/** Answering newcomers at once is rate-limited to this gap, so a flood cannot make us a flood. */
const ANSWER_GAP_MS = 1_000;
const MAX_REMEMBERED = 256;

interface Announce {
  port: number;
  infoHashes: string[];
  cookie: string | undefined;
}

/** Decodes one datagram; undefined unless it is a well-formed BEP 14 announce. */
function parseAnnounce(datagram: Buffer): Announce | undefined {
  if (datagram.length > MAX_DATAGRAM) return undefined;
  const lines = datagram.toString('latin1').split('\r\n');
  if (lines[0] !== HEADER) return undefined;
  let port: number | undefined;
  let cookie: string | undefined;
  const infoHashes: string[] = [];
  for (const line of lines.slice(1)) {
    if (line === '') break; // end of the headers
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).toLowerCase();
    if (!/^[a-z0-9-]+$/.test(name)) return undefined;
    const value = line.slice(colon + 1).trim();
    if (name === 'port') {
      if (!/^\d{1,5}$/.test(value)) return undefined;
      port = Number(value);
    } else if (name === 'infohash') {
      if (!/^[0-9a-f]{40}$/i.test(value)) return undefined;
      infoHashes.push(value.toLowerCase());
    } else if (name === 'cookie') {
      cookie = value;
    }
  }
  if (port === undefined || port < 1 || port > 65535 || infoHashes.length === 0) return undefined;
  return { port, infoHashes, cookie };
}

function defaultInterfaces(): string[] {
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((info) => info.family === 'IPv4' && !info.internal)
    .map((info) => info.address);
  return addresses.length > 0 ? addresses : ['127.0.0.1'];
}

function checkOptions(options: LsdDiscoveryOptions): void {
  checkDiscoveryOptions(options, 'lsd');
  const group = options.group ?? LSD_GROUP;
  const first = Number(group.split('.')[0]);
  if (isIP(group) !== 4 || first < 224 || first > 239) {
    throw new PeerfoldError('malformed', `lsd: ${group} is not an IPv4 multicast group`);
  }
  checkPort(options.lsdPort ?? LSD_PORT, 'lsd');
  for (const address of options.interfaces ?? []) {
    if (isIP(address) !== 4)
      throw new PeerfoldError('malformed', `lsd: interface ${address} is not IPv4`);
  }
  if (!((options.intervalMs ?? DEFAULT_INTERVAL_MS) > 0)) {
    throw new PeerfoldError('malformed', 'lsd: intervalMs must be positive');
  }
}

function bind(socket: Socket, port: number, address?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

const closeSocket = (socket: Socket) =>
  new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // never bound, or closed already
    }
  });

export async function startLsd(options: LsdDiscoveryOptions): Promise<Discovery> {
  checkOptions(options);
  const group = options.group ?? LSD_GROUP;
  const lsdPort = options.lsdPort ?? LSD_PORT;
  const interfaces = [...new Set(options.interfaces ?? defaultInterfaces())];
  const warn = quietWarnings(options.onWarning);
  const ourKey = toHex(options.infoHash);
  const cookie = randomBytes(8).toString('hex');
  const message = Buffer.from(
    `${HEADER}\r\nHost: ${group}:${lsdPort}\r\nPort: ${options.port}\r\n` +
      `Infohash: ${ourKey}\r\ncookie: ${cookie}\r\n\r\n\r\n`,
    'latin1',
  );

  const receiver = createSocket({ type: 'udp4', reuseAddr: true });
  const senders: Socket[] = [];
  try {
    await bind(receiver, lsdPort);
  } catch (error) {
    await closeSocket(receiver);
    throw error;
  }
  receiver.on('error', (error) => warn(`lsd: ${errorText(error)}`));
  for (const address of interfaces) {
    const sender = createSocket('udp4');
    try {
      receiver.addMembership(group, address);
      await bind(sender, 0, address);
      sender.setMulticastInterface(address);
      sender.setMulticastTTL(1); // the LAN only
      sender.setMulticastLoopback(true);
      sender.on('error', (error) => warn(`lsd: ${errorText(error)}`));
      senders.push(sender);
    } catch (error) {
      await closeSocket(sender);
      warn(`lsd: cannot use interface ${address}: ${errorText(error)}`);
    }
  }
  if (senders.length === 0) warn('lsd: no usable network interface');

  let closed = false;
  let lastAnnounce = 0;
  const announce = () => {
    if (closed) return Promise.resolve();
    lastAnnounce = Date.now();
    const sent = senders.map(
      (sender) =>
        new Promise<void>((resolve) => {
          sender.send(message, lsdPort, group, (error) => {
            if (error && !closed) warn(`lsd: announce failed: ${errorText(error)}`);
            resolve();
          });
        }),
    );
    return Promise.all(sent).then(() => undefined);
  };

  // a newcomer announced once and will not again for minutes: answer it now
  let answerTimer: ReturnType<typeof setTimeout> | undefined;
  const answerSoon = () => {
    if (answerTimer || closed) return;
    const wait = Math.max(0, lastAnnounce + ANSWER_GAP_MS - Date.now());
    answerTimer = setTimeout(() => {
      answerTimer = undefined;
      void announce();
    }, wait);
  };
  const answered = new Set<string>();

  receiver.on('message', (datagram, from) => {
    if (closed) return;
    const parsed = parseAnnounce(datagram);
    if (!parsed || parsed.cookie === cookie || !parsed.infoHashes.includes(ourKey)) return;
    const peer = { host: from.address, port: parsed.port };
    if (!isDialable(peer) || (peer.port === options.port && isLocalAddress(peer.host))) return;
    options.onPeer(peer, 'lsd');
    const id = parsed.cookie ?? `${peer.host}:${peer.port}`;
    if (answered.has(id)) return;
    if (answered.size >= MAX_REMEMBERED) answered.clear();
    answered.add(id);
    answerSoon();
  });

  await announce();
  const interval = setInterval(() => void announce(), options.intervalMs ?? DEFAULT_INTERVAL_MS);

  let closing: Promise<void> | undefined;
  return {
    name: 'lsd',
    close: () => {
      if (!closing) {
        closed = true;
        clearInterval(interval);
        clearTimeout(answerTimer);
        closing = Promise.all([receiver, ...senders].map(closeSocket)).then(() => undefined);
      }
      return closing;
    },
  };
}
