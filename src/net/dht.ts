/**
 * Mainline DHT discovery (BEP 5, via bittorrent-dht): announce the share's discovery key with
 * our TCP/uTP port, look it up, and do both again every `intervalMs`. Each round reports every
 * peer it finds once. After start nothing throws: trouble becomes a warning.
 */
import DHT from 'bittorrent-dht';
import { isIP } from 'node:net';
import { toHex } from '../core/bytes';
import { PeerfoldError } from '../core/errors';
import { isDialable, type Discovery, type DiscoveryOptions, type PeerAddress } from './discovery';
import {
  checkDiscoveryOptions,
  checkPort,
  errorText,
  isLocalAddress,
  parseHostPort,
  quietWarnings,
} from './discovery-util';

export interface DhtDiscoveryOptions extends DiscoveryOptions {
  /**
   * Nodes to join the DHT through, as `host:port` (IPv4 address or name); `false` for none (a
   * private network, e.g. in tests); bittorrent-dht's public routers when absent.
   */
  readonly bootstrap?: readonly string[] | false;
  /**
   * UDP port of our DHT node; 0 (any free port) by default. It is not `port`: uTP already
   * listens on `port`'s UDP side, and what the DHT announces is `port`, not the DHT's own port.
   */
  readonly dhtPort?: number;
  /** IPv4 address the DHT socket binds to; every address by default. */
  readonly host?: string;
  /** How often to announce and look up again; 10 minutes by default. */
  readonly intervalMs?: number;
}

export interface DhtDiscovery extends Discovery {
  /** Where our DHT node listens, for other nodes to bootstrap from (tests, a LAN of peers). */
  readonly dhtAddress: PeerAddress;
}

const DEFAULT_INTERVAL_MS = 10 * 60_000;
/** A round that reached no DHT node (offline, routers unreachable) is retried this soon. */
const RETRY_MS = 30_000;
/** Bounds the memory a hostile DHT node can make one round use. */
const MAX_PEERS_PER_ROUND = 2_000;

function parseBootstrap(nodes: readonly string[]): { host: string; port: number }[] {
  return nodes.map((text) => {
    const node = parseHostPort(text);
    if (!node)
      throw new PeerfoldError('malformed', `dht: bootstrap node "${text}" is not host:port`);
    if (isIP(node.host) === 6) {
      throw new PeerfoldError('unsupported', `dht: bootstrap node "${text}" is IPv6 (IPv4 only)`);
    }
    return node;
  });
}

function listen(dht: DHT, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: unknown) =>
      reject(error instanceof Error ? error : new Error(String(error)));
    dht.once('error', onError);
    dht.listen(port, host, () => {
      dht.off('error', onError);
      resolve();
    });
  });
}

export async function startDht(options: DhtDiscoveryOptions): Promise<DhtDiscovery> {
  checkDiscoveryOptions(options, 'dht');
  const bootstrap =
    options.bootstrap === false ? false : options.bootstrap && parseBootstrap(options.bootstrap);
  if (options.dhtPort !== undefined && options.dhtPort !== 0) checkPort(options.dhtPort, 'dht');
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (!(intervalMs > 0)) throw new PeerfoldError('malformed', 'dht: intervalMs must be positive');

  const warn = quietWarnings(options.onWarning);
  const dht = new DHT(bootstrap === undefined ? {} : { bootstrap });
  try {
    await listen(dht, options.dhtPort ?? 0, options.host);
  } catch (error) {
    dht.destroy();
    throw error;
  }
  dht.on('error', (error) => warn(`dht: ${errorText(error)}`));
  dht.on('warning', (error) => warn(`dht: ${errorText(error)}`));

  const ourKey = toHex(options.infoHash);
  let closed = false;
  let reported = new Set<string>();
  dht.on('peer', (peer, infoHash) => {
    if (closed || toHex(infoHash) !== ourKey) return;
    const candidate = { host: peer.host, port: peer.port };
    if (!isDialable(candidate)) return;
    // our own announcement comes back from the nodes that stored it
    if (candidate.port === options.port && isLocalAddress(candidate.host)) return;
    const key = `${candidate.host}:${candidate.port}`;
    if (reported.has(key) || reported.size >= MAX_PEERS_PER_ROUND) return;
    reported.add(key);
    options.onPeer(candidate, 'dht');
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  const round = () => {
    if (closed) return;
    reported = new Set();
    dht.lookup(options.infoHash, (error, nodes) => {
      if (closed) return;
      if (error) warn(`dht: lookup failed: ${errorText(error)}`);
      const reached = !error && (nodes ?? 0) > 0;
      if (!reached) warn('dht: no DHT node answered');
      // right after the lookup, so the tokens it collected are fresh for the announce
      else {
        dht.announce(options.infoHash, options.port, (announceError) => {
          if (!closed && announceError) warn(`dht: announce failed: ${errorText(announceError)}`);
        });
      }
      timer = setTimeout(round, reached ? intervalMs : Math.min(intervalMs, RETRY_MS));
    });
  };
  round();

  const address = dht.address();
  let closing: Promise<void> | undefined;
  return {
    name: 'dht',
    dhtAddress: { host: address.address, port: address.port },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        clearTimeout(timer);
        dht.destroy(() => resolve());
      });
      return closing;
    },
  };
}
