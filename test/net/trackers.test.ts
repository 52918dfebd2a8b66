import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isPeerfoldError } from '../../src/core/errors';
import type { Discovery, PeerAddress } from '../../src/net/discovery';
import { startTrackers } from '../../src/net/trackers';
import { openHandles, untilHandlesBack } from '../helpers/handles';
import { until } from '../helpers/pipe';
import { startTrackerServer, type TrackerServer } from '../helpers/tracker-server';

interface Client {
  discovery: Discovery;
  port: number;
  found: PeerAddress[];
  warnings: string[];
}

const clients: Discovery[] = [];
const servers: TrackerServer[] = [];
afterEach(async () => {
  // in parallel: a client with a dead tracker takes a second to close (see trackers.ts)
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A tracker server that asks clients to announce every second. */
async function server(): Promise<TrackerServer> {
  const s = await startTrackerServer(1_000);
  servers.push(s);
  return s;
}

async function client(announce: string[], infoHash: Uint8Array, port: number): Promise<Client> {
  const found: PeerAddress[] = [];
  const warnings: string[] = [];
  const discovery = await startTrackers({
    announce,
    infoHash,
    port,
    minIntervalMs: 1_000,
    onPeer: (peer, source) => {
      expect(source).toBe('tracker');
      found.push(peer);
    },
    onWarning: (w) => warnings.push(w),
  });
  clients.push(discovery);
  return { discovery, port, found, warnings };
}

const has = (c: Client, port: number) =>
  c.found.some((p) => p.host === '127.0.0.1' && p.port === port);
const ports = (c: Client) => [...new Set(c.found.map((p) => p.port))].sort();

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('tracker discovery', () => {
  for (const kind of ['http', 'udp'] as const) {
    it(`introduces the peers of one key to each other, and only them (${kind})`, async () => {
      const s = await server();
      const url = kind === 'http' ? s.httpUrl : s.udpUrl;
      const key = new Uint8Array(randomBytes(20));
      const otherKey = new Uint8Array(randomBytes(20));
      // c joins before a and b, d after them: c learning d proves c heard the tracker after
      // a and b were in their swarm, and a learning b proves the same for a
      const c = await client([url], otherKey, 42003);
      const a = await client([url], key, 42001);
      const b = await client([url], key, 42002);
      const d = await client([url], otherKey, 42004);
      await until(() => has(a, 42002) && has(b, 42001) && has(c, 42004) && has(d, 42003));

      expect(ports(a)).toEqual([42002]);
      expect(ports(b)).toEqual([42001]);
      expect(ports(c)).toEqual([42004]);
      expect(ports(d)).toEqual([42003]);
      expect([...a.warnings, ...b.warnings, ...c.warnings, ...d.warnings]).toEqual([]);
    });
  }

  it('announces as a leecher with a known amount left, over HTTP and UDP', async () => {
    const s = await server();
    const key = new Uint8Array(randomBytes(20));
    await client([s.httpUrl], key, 42011);
    const second = await client([s.udpUrl], key, 42012);
    // the second learns the first from its own 'started' announce: no waiting for an interval
    await until(() => has(second, 42011));
    expect(s.announces.length).toBeGreaterThanOrEqual(2);
    for (const announce of s.announces) {
      expect(announce.left).toBeGreaterThan(0);
      expect(Number.isSafeInteger(announce.left)).toBe(true);
    }
  });

  it('rejects a bad announce URL at start, naming it', async () => {
    const base = { infoHash: new Uint8Array(20), port: 42021, onPeer: () => {} };
    const cases = [
      ['not a url', 'malformed'],
      ['ftp://tracker.example/announce', 'unsupported'],
      ['udp://tracker.example/announce', 'malformed'],
    ] as const;
    for (const [bad, code] of cases) {
      await expect(
        startTrackers({ ...base, announce: ['http://127.0.0.1:1/announce', bad] }),
      ).rejects.toSatisfy((e: unknown) => isPeerfoldError(e, code) && e.message.includes(bad));
    }
  });

  it('warns about an unreachable tracker and keeps using the others', async () => {
    const s = await server();
    const key = new Uint8Array(randomBytes(20));
    const dead = `http://127.0.0.1:${await closedPort()}/announce`;
    const a = await client([dead, s.httpUrl], key, 42031);
    const b = await client([dead, s.httpUrl], key, 42032);
    await until(() => has(a, 42032) && has(b, 42031));
    await until(() => a.warnings.some((w) => w.startsWith(`tracker ${new URL(dead).origin}:`)));
  });

  it('skips WebSocket trackers with a warning when no WebRTC is given', async () => {
    const a = await client(['ws://127.0.0.1:9'], new Uint8Array(randomBytes(20)), 42041);
    expect(a.warnings).toEqual([
      'tracker ws://127.0.0.1:9: skipped, WebSocket trackers need WebRTC',
    ]);
  });

  it("sends 'stopped' on close and leaves no socket or timer open", async () => {
    const s = await server();
    const baseline = openHandles();
    const key = new Uint8Array(randomBytes(20));
    const a = await client([s.httpUrl, s.udpUrl], key, 42051);
    const b = await client([s.httpUrl], key, 42052);
    await until(() => has(a, 42052) && has(b, 42051));
    await a.discovery.close();
    await b.discovery.close();
    await b.discovery.close(); // idempotent
    const stops = s.announces.filter((x) => x.event === 'stop').map((x) => x.port);
    expect(stops.sort()).toEqual([42051, 42051, 42052]);
    await untilHandlesBack(baseline);
  });
});
