import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/bytes';
import { createShare } from '../../src/core/capability';
import { snapshot } from '../engine/fixture';
import { openHandles, untilHandlesBack } from '../helpers/handles';
import { until } from '../helpers/pipe';
import { closeAll, local, openPeers, swarmPeer, untilSame } from './swarm-fixture';

afterEach(closeAll);

const files = {
  'docs/one.txt': utf8('one'),
  'big.bin': new Uint8Array(300_000).map((_, i) => (i * 7) % 251),
};

describe('Swarm: sync between two swarms', () => {
  it('carries a folder over TCP, and both ends describe the connection', async () => {
    const cap = createShare();
    const a = await swarmPeer(cap, {}, files);
    const b = await swarmPeer(cap);
    expect(b.swarm.addPeer(local(a), 'manual')).toBe('dialing');

    const want = await snapshot(a.drive);
    expect(await untilSame(b.drive, want)).toEqual(want);
    await until(() => openPeers(a).length === 1 && openPeers(b).length === 1);
    expect(b.swarm.peers()).toMatchObject([
      { host: '127.0.0.1', port: a.swarm.port, transport: 'tcp', direction: 'out' },
    ]);
    expect(b.swarm.peers()[0]).toMatchObject({ source: 'manual', role: 'write', state: 'open' });
    expect(b.swarm.peers()[0]?.peerId).toBe(a.swarm.peerId);
    // A learns B's listen port from the extended handshake, not from B's ephemeral socket port.
    expect(a.swarm.peers()).toMatchObject([
      { port: b.swarm.port, transport: 'tcp', direction: 'in', source: 'incoming' },
    ]);
    expect(a.swarm.peers()[0]?.stats?.objectsSent).toBeGreaterThan(0);
    expect(b.events).toMatchObject([{ type: 'connected' }]);
  });

  it('carries a folder over uTP when the peer takes no TCP', async () => {
    const cap = createShare();
    const a = await swarmPeer(cap, { transports: ['utp'] }, files);
    const b = await swarmPeer(cap);
    expect(a.swarm.utpListening).toBe(true);
    expect(b.swarm.utpListening).toBe(true);
    expect(b.swarm.addPeer(local(a), 'manual')).toBe('dialing');

    const want = await snapshot(a.drive);
    expect(await untilSame(b.drive, want)).toEqual(want);
    await until(() => openPeers(a).length === 1 && openPeers(b).length === 1);
    expect(b.swarm.peers()).toMatchObject([{ transport: 'utp', direction: 'out' }]);
    expect(a.swarm.peers()).toMatchObject([
      { transport: 'utp', direction: 'in', port: b.swarm.port },
    ]);
  });

  it('listens on TCP and uTP on the same port number', async () => {
    const a = await swarmPeer();
    expect(a.swarm.utpListening).toBe(true);
    // Both halves of the port are taken: binding either again fails.
    await expect(bindTcp(a.swarm.port)).rejects.toThrow(/EADDRINUSE/);
    await expect(bindUdp(a.swarm.port)).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('Swarm: which connections it keeps', () => {
  it('drops a connection to itself and avoids its own address', async () => {
    const a = await swarmPeer();
    expect(a.swarm.addPeer(local(a), 'lsd')).toBe('dialing');
    await until(() => a.swarm.isAvoided(local(a)));
    await until(() => a.swarm.peers().length === 0);
    expect(a.sessions).toBe(0);
    expect(a.swarm.addPeer(local(a), 'dht')).toBe('avoided');
    expect(a.events).toMatchObject([{ type: 'dial-failed', reason: 'connected to ourselves' }]);
  });

  it('drops a peer of another swarm: no session on either side, and backs off', async () => {
    const a = await swarmPeer(createShare(), {}, files);
    const c = await swarmPeer(createShare());
    expect(c.swarm.addPeer(local(a), 'tracker')).toBe('dialing');
    // A never answers a handshake for a share it does not serve (it would tell a scanner which
    // share it serves); C sees the connection close and waits before trying again.
    await until(() => c.events.length === 1);
    expect(c.events[0]).toMatchObject({ type: 'dial-failed', source: 'tracker' });
    expect(c.events[0]?.type === 'dial-failed' && c.events[0].retryMs).toBeGreaterThan(0);
    await until(() => a.swarm.peers().length === 0 && c.swarm.peers().length === 0);
    expect(a.sessions + c.sessions).toBe(0);
    expect(Object.keys(await snapshot(c.drive))).toEqual([]);
    expect(c.swarm.addPeer(local(a), 'tracker')).toBe('queued');
  });

  it('keeps one connection when two swarms dial each other at once', async () => {
    const cap = createShare();
    const a = await swarmPeer(cap, {}, files);
    const b = await swarmPeer(cap);
    expect(a.swarm.addPeer(local(b), 'dht')).toBe('dialing');
    expect(b.swarm.addPeer(local(a), 'dht')).toBe('dialing');
    const want = await snapshot(a.drive);
    expect(await untilSame(b.drive, want)).toEqual(want);
    await until(() => a.swarm.peers().length === 1 && b.swarm.peers().length === 1);
    const [fromA] = openPeers(a);
    const [fromB] = openPeers(b);
    expect(fromA?.peerId).toBe(b.swarm.peerId);
    expect(fromB?.peerId).toBe(a.swarm.peerId);
    // The same connection, seen from its two ends.
    expect(fromA?.direction).not.toBe(fromB?.direction);
    expect(a.swarm.addPeer(local(b), 'dht')).toBe('already');
  });

  it('keeps one connection to a peer reached at two addresses', async () => {
    const cap = createShare();
    const a = await swarmPeer(cap);
    const b = await swarmPeer(cap, { host: '0.0.0.0' });
    expect(a.swarm.addPeer({ host: '127.0.0.1', port: b.swarm.port }, 'dht')).toBe('dialing');
    await until(() => openPeers(a).length === 1);
    expect(a.swarm.addPeer({ host: '127.0.0.2', port: b.swarm.port }, 'lsd')).toBe('dialing');
    await until(() => a.events.some((e) => e.type === 'dial-failed'));
    expect(a.events.find((e) => e.type === 'dial-failed')).toMatchObject({ host: '127.0.0.2' });
    await until(() => a.swarm.peers().length === 1 && b.swarm.peers().length === 1);
    expect(openPeers(a)).toMatchObject([{ host: '127.0.0.1', peerId: b.swarm.peerId }]);
  });

  it('never holds more than maxPeers, and dials a queued address when a slot frees', async () => {
    const cap = createShare();
    const hub = await swarmPeer(cap, { maxPeers: 2 });
    let most = 0;
    const x = await swarmPeer(cap);
    const y = await swarmPeer(cap);
    const z = await swarmPeer(cap);
    const count = (): void => void (most = Math.max(most, hub.swarm.peers().length));
    const ticker = setInterval(count, 1);
    try {
      expect(hub.swarm.addPeer(local(x), 'dht')).toBe('dialing');
      expect(hub.swarm.addPeer(local(y), 'dht')).toBe('dialing');
      expect(hub.swarm.addPeer(local(z), 'dht')).toBe('queued');
      await until(() => openPeers(hub).length === 2);
      // A full hub turns away a peer that dials it.
      expect(z.swarm.addPeer(local(hub), 'dht')).toBe('dialing');
      await until(() => z.events.some((e) => e.type === 'dial-failed'));
      expect(hub.swarm.peers().length).toBe(2);

      await x.swarm.close();
      await until(() => openPeers(hub).some((p) => p.port === z.swarm.port), 30_000);
      count();
      expect(openPeers(hub).map((p) => p.port)).toContain(y.swarm.port);
      expect(most).toBe(2);
    } finally {
      clearInterval(ticker);
    }
  });
});

describe('Swarm: close', () => {
  it('releases both ports and leaves no handle open, and is idempotent', async () => {
    const baseline = openHandles();
    const cap = createShare();
    const a = await swarmPeer(cap, {}, files);
    const b = await swarmPeer(cap, { transports: ['utp'] });
    expect(a.swarm.addPeer(local(b), 'manual')).toBe('dialing');
    await until(() => openPeers(a).length === 1 && openPeers(b).length === 1);
    const ports = [a.swarm.port, b.swarm.port];
    await Promise.all([a.swarm.close(), b.swarm.close(), a.swarm.close()]);
    expect(a.swarm.peers()).toEqual([]);
    expect(a.swarm.addPeer(local(b), 'manual')).toBe('closed');
    for (const port of ports) {
      await (await bindTcp(port)).close();
      await (await bindUdp(port)).close();
    }
    await untilHandlesBack(baseline);
  });
});

async function bindTcp(port: number): Promise<{ close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function bindUdp(port: number): Promise<{ close(): Promise<void> }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve());
  });
  return { close: () => new Promise<void>((r) => socket.close(() => r())) };
}
