import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import { isPeerfoldError } from '../../src/core/errors';
import type { Discovery, PeerAddress } from '../../src/net/discovery';
import { LSD_GROUP, startLsd, type LsdDiscoveryOptions } from '../../src/net/lsd';
import { openHandles, untilHandlesBack } from '../helpers/handles';
import { until } from '../helpers/pipe';
import { freeUdpPort } from '../helpers/ports';

interface Announcer {
  lsd: Discovery;
  port: number;
  found: PeerAddress[];
  warnings: string[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function announcer(
  lsdPort: number,
  infoHash: Uint8Array,
  port: number,
  extra: Partial<LsdDiscoveryOptions> = {},
): Promise<Announcer> {
  const found: PeerAddress[] = [];
  const warnings: string[] = [];
  const lsd = await startLsd({
    infoHash,
    port,
    lsdPort,
    interfaces: ['127.0.0.1'],
    onPeer: (peer, source) => {
      expect(source).toBe('lsd');
      found.push(peer);
    },
    onWarning: (w) => warnings.push(w),
    ...extra,
  });
  cleanups.push(() => lsd.close());
  return { lsd, port, found, warnings };
}

/** A socket the test sends raw datagrams to the group from, like any other host on the LAN. */
async function rawSender(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setMulticastInterface('127.0.0.1');
  cleanups.push(() => new Promise<void>((resolve) => socket.close(resolve)));
  return socket;
}

function send(socket: Socket, lsdPort: number, datagram: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(datagram, lsdPort, LSD_GROUP, (e) => (e ? reject(e) : resolve())),
  );
}

const announce = (port: number | string, infoHash: string, extra = '') =>
  `BT-SEARCH * HTTP/1.1\r\nHost: ${LSD_GROUP}:6771\r\nPort: ${port}\r\n` +
  `Infohash: ${infoHash}\r\n${extra}\r\n\r\n`;

const has = (a: Announcer, port: number) =>
  a.found.some((p) => p.host === '127.0.0.1' && p.port === port);
const ports = (a: Announcer) => [...new Set(a.found.map((p) => p.port))].sort();

describe('local service discovery (BEP 14)', () => {
  it('two announcers of one key find each other at once, not at the next interval', async () => {
    const lsdPort = await freeUdpPort();
    const key = new Uint8Array(randomBytes(20));
    const a = await announcer(lsdPort, key, 43001);
    const b = await announcer(lsdPort, key, 43002);
    // a hears b's first announce and answers it: the default interval is minutes
    await until(() => has(a, 43002) && has(b, 43001));
    expect(ports(a)).toEqual([43002]);
    expect(ports(b)).toEqual([43001]);
    expect([...a.warnings, ...b.warnings]).toEqual([]);
  });

  it('ignores its own announces and those of another key', async () => {
    const lsdPort = await freeUdpPort();
    const key = new Uint8Array(randomBytes(20));
    const otherKey = new Uint8Array(randomBytes(20));
    const a = await announcer(lsdPort, key, 43011, { intervalMs: 50 });
    const c = await announcer(lsdPort, otherKey, 43012, { intervalMs: 50 });
    // let each hear the other's (and its own) periodic announces many times
    const heard = new Map<number, number>();
    const tap = createSocket({ type: 'udp4', reuseAddr: true });
    cleanups.push(() => new Promise<void>((resolve) => tap.close(resolve)));
    await new Promise<void>((resolve) => tap.bind(lsdPort, resolve));
    tap.addMembership(LSD_GROUP, '127.0.0.1');
    tap.on('message', (m) => {
      const port = Number(/Port: (\d+)/.exec(m.toString())?.[1]);
      heard.set(port, (heard.get(port) ?? 0) + 1);
    });
    await until(() => (heard.get(43011) ?? 0) >= 5 && (heard.get(43012) ?? 0) >= 5);

    // a datagram sent after all that is read after it too: once a and c report it, they have
    // read (and ignored) every announce above
    const raw = await rawSender();
    await send(raw, lsdPort, announce(43099, toHex(key)));
    await send(raw, lsdPort, announce(43098, toHex(otherKey)));
    await until(() => has(a, 43099) && has(c, 43098));
    expect(ports(a)).toEqual([43099]);
    expect(ports(c)).toEqual([43098]);
  });

  it('ignores malformed datagrams without reporting or crashing', async () => {
    const lsdPort = await freeUdpPort();
    const key = new Uint8Array(randomBytes(20));
    const hex = toHex(key);
    const a = await announcer(lsdPort, key, 43021);
    const raw = await rawSender();
    const malformed: (string | Buffer)[] = [
      '',
      'garbage',
      'BT-SEARCH * HTTP/1.1', // the header alone: crashed bittorrent-lsd
      'BT-SEARCH * HTTP/1.1\r\n',
      announce(0, hex),
      announce(65536, hex),
      announce(-5, hex),
      announce('80abc', hex),
      announce(43022, hex.slice(1)),
      announce(43023, `${hex.slice(2)}zz`),
      announce(43024, hex).replace('BT-SEARCH', 'M-SEARCH'),
      announce(43025, hex).replace('Port: 43025\r\n', ''),
      announce(43026, hex).replace(`Infohash: ${hex}\r\n`, ''),
      announce(43027, hex).replace('Host:', 'Host'),
      announce(43028, hex, `X-Pad: ${'x'.repeat(1500)}\r\n`),
      Buffer.from(randomBytes(1000)),
      Buffer.from(announce(43029, hex), 'utf16le'),
    ];
    for (const datagram of malformed) await send(raw, lsdPort, datagram);
    // then a valid one (with the optional headers in another case): datagrams from one socket
    // arrive in order on loopback, so once it is reported every malformed one has been read
    await send(raw, lsdPort, announce(43030, hex.toUpperCase()).replace('Port:', 'port:'));
    await until(() => has(a, 43030));
    expect(ports(a)).toEqual([43030]);
  });

  it('rejects bad options at start', async () => {
    const base = { infoHash: new Uint8Array(20), port: 43041, onPeer: () => {} };
    const bad: Partial<LsdDiscoveryOptions>[] = [
      { group: '10.0.0.1' },
      { group: 'nonsense' },
      { lsdPort: 70000 },
      { interfaces: ['eth0'] },
      { port: 0 },
      { infoHash: new Uint8Array(19) },
    ];
    for (const extra of bad) {
      await expect(startLsd({ ...base, ...extra })).rejects.toSatisfy((e: unknown) =>
        isPeerfoldError(e, 'malformed'),
      );
    }
  });

  it('closes every socket and timer it opened', async () => {
    const lsdPort = await freeUdpPort();
    const baseline = openHandles();
    const key = new Uint8Array(randomBytes(20));
    const a = await announcer(lsdPort, key, 43051, { intervalMs: 50 });
    const b = await announcer(lsdPort, key, 43052, { intervalMs: 50 });
    await until(() => has(a, 43052) && has(b, 43051));
    await a.lsd.close();
    await b.lsd.close();
    await b.lsd.close(); // idempotent
    await untilHandlesBack(baseline);
  });
});
