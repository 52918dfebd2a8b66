import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/bytes';
import { createShare, discoveryKey } from '../../src/core/capability';
import { dialUtp, listenUtp } from '../../src/net/utp';
import { snapshot } from '../engine/fixture';
import { until } from '../helpers/pipe';
import { closeAll, swarmPeer, untilSame } from './swarm-fixture';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await closeAll();
});

describe('Peerfold over uTP', () => {
  it('carries a folder from a listener to a one-off dial, and both ends close', async () => {
    const cap = createShare();
    // Only the engines of these peers are used here.
    const a = await swarmPeer(cap, {}, { 'a.txt': utf8('over udp') });
    const b = await swarmPeer(cap);
    const listenerEnds: string[] = [];
    const listener = await listenUtp({
      port: 0,
      infoHash: discoveryKey(cap),
      attach: (send, events) => a.engine.connect(send, events),
      onEnd: (reason) => listenerEnds.push(reason),
    });
    cleanups.push(() => listener.close());
    const dialerEnds: string[] = [];
    const conn = await dialUtp({
      host: '127.0.0.1',
      port: listener.port,
      infoHash: discoveryKey(cap),
      attach: (send, events) => b.engine.connect(send, events),
      onEnd: (reason) => dialerEnds.push(reason),
    });
    const want = await snapshot(a.drive);
    expect(await untilSame(b.drive, want)).toEqual(want);
    expect(conn.attached.session?.state).toBe('open');

    conn.close();
    await until(() => dialerEnds.length === 1 && listenerEnds.length === 1);
    expect(dialerEnds).toEqual(['closed']);
  });

  it('rejects a dial to a port where nobody answers, after the connect timeout', async () => {
    const silent = createSocket('udp4'); // takes the datagrams and never answers
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => silent.close(() => r())));
    const cap = createShare();
    await expect(
      dialUtp({
        host: '127.0.0.1',
        port: silent.address().port,
        infoHash: discoveryKey(cap),
        attach: () => {
          throw new Error('no session expected');
        },
        connectTimeoutMs: 300,
      }),
    ).rejects.toThrow(/timed out/);
  });

  it('lets a swarm run on TCP alone, with a warning, when its UDP port is taken', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((r) => taken.bind(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => taken.close(() => r())));
    const port = taken.address().port;
    const cap = createShare();
    const a = await swarmPeer(cap, { port }, { 'a.txt': utf8('tcp only') });
    expect(a.swarm.port).toBe(port);
    expect(a.swarm.utpListening).toBe(false);
    expect(a.warnings).toEqual([expect.stringMatching(/uTP cannot listen on port \d+.*TCP only/)]);
    const b = await swarmPeer(cap);
    expect(b.swarm.addPeer({ host: '127.0.0.1', port }, 'manual')).toBe('dialing');
    const want = await snapshot(a.drive);
    expect(await untilSame(b.drive, want)).toEqual(want);
  });
});
