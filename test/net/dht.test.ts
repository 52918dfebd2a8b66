import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isPeerfoldError } from '../../src/core/errors';
import { startDht, type DhtDiscovery, type DhtDiscoveryOptions } from '../../src/net/dht';
import type { PeerAddress } from '../../src/net/discovery';
import { startDhtNetwork, type DhtNetwork } from '../helpers/dht-nodes';
import { openHandles, untilHandlesBack } from '../helpers/handles';
import { until } from '../helpers/pipe';

interface Announcer {
  dht: DhtDiscovery;
  port: number;
  found: PeerAddress[];
  warnings: string[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function network(): Promise<DhtNetwork> {
  const net = await startDhtNetwork(3);
  cleanups.push(() => net.close());
  return net;
}

/** A Peerfold DHT discovery on loopback claiming TCP `port` (nothing listens: only the address matters here). */
async function announcer(
  net: DhtNetwork,
  infoHash: Uint8Array,
  port: number,
  extra: Partial<DhtDiscoveryOptions> = {},
): Promise<Announcer> {
  const found: PeerAddress[] = [];
  const warnings: string[] = [];
  const dht = await startDht({
    infoHash,
    port,
    host: '127.0.0.1',
    bootstrap: net.bootstrap,
    intervalMs: 200,
    onPeer: (peer, source) => {
      expect(source).toBe('dht');
      found.push(peer);
    },
    onWarning: (w) => warnings.push(w),
    ...extra,
  });
  cleanups.push(() => dht.close());
  return { dht, port, found, warnings };
}

const has = (a: Announcer, port: number) =>
  a.found.some((p) => p.host === '127.0.0.1' && p.port === port);
const ports = (a: Announcer) => [...new Set(a.found.map((p) => p.port))].sort();

describe('DHT discovery', () => {
  it('finds the other announcer of the same key and nothing of another key', async () => {
    const net = await network();
    const key = new Uint8Array(randomBytes(20));
    const otherKey = new Uint8Array(randomBytes(20));
    const a = await announcer(net, key, 41001);
    const b = await announcer(net, key, 41002);
    await until(() => has(a, 41002) && has(b, 41001));

    // c looks for another key; d announces it, so c finding d proves c's lookups work
    const c = await announcer(net, otherKey, 41003);
    const d = await announcer(net, otherKey, 41004);
    await until(() => has(c, 41004) && has(d, 41003));

    expect(ports(a)).toEqual([41002]); // never itself, never the other swarm
    expect(ports(b)).toEqual([41001]);
    expect(ports(c)).toEqual([41004]);
    expect(ports(d)).toEqual([41003]);
  });

  it('exposes its node address so another node can bootstrap from it', async () => {
    const key = new Uint8Array(randomBytes(20));
    const lonely: DhtNetwork = { bootstrap: [], close: () => Promise.resolve() };
    const first = await announcer(lonely, key, 41011, { bootstrap: false });
    expect(first.dht.dhtAddress.host).toBe('127.0.0.1');
    expect(first.dht.dhtAddress.port).toBeGreaterThan(0);
    const viaFirst: DhtNetwork = {
      bootstrap: [`127.0.0.1:${first.dht.dhtAddress.port}`],
      close: () => Promise.resolve(),
    };
    const second = await announcer(viaFirst, key, 41012);
    await until(() => has(second, 41011) && has(first, 41012));
  });

  it('rejects a bad bootstrap node or port at start', async () => {
    const base = { infoHash: new Uint8Array(20), port: 41021, onPeer: () => {} };
    for (const bootstrap of [['nonsense'], ['127.0.0.1:99999'], ['[::1]:6881']]) {
      await expect(startDht({ ...base, bootstrap })).rejects.toSatisfy(
        (e: unknown) => isPeerfoldError(e) && e.message.includes(bootstrap[0] as string),
      );
    }
    await expect(startDht({ ...base, port: 0, bootstrap: false })).rejects.toSatisfy((e: unknown) =>
      isPeerfoldError(e, 'malformed'),
    );
  });

  it('warns, and keeps running, when no DHT node answers', async () => {
    const dead: DhtNetwork = { bootstrap: ['127.0.0.1:9'], close: () => Promise.resolve() };
    const a = await announcer(dead, new Uint8Array(randomBytes(20)), 41031);
    await until(() => a.warnings.some((w) => w.includes('no DHT node answered')));
    expect(a.found).toEqual([]);
  });

  it('closes every socket and timer it opened', async () => {
    const net = await network();
    const baseline = openHandles();
    const key = new Uint8Array(randomBytes(20));
    const a = await announcer(net, key, 41041);
    const b = await announcer(net, key, 41042);
    await until(() => has(a, 41042) && has(b, 41041));
    await a.dht.close();
    await b.dht.close();
    await a.dht.close(); // idempotent
    await untilHandlesBack(baseline);
  });
});
