import { connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../../src/core/bytes';
import { createShare, discoveryKey, type Capability } from '../../src/core/capability';
import { ShareEngine } from '../../src/engine/share';
import { dialTcp, listenTcp, type AttachSession } from '../../src/net/tcp';
import { MemoryDrive } from '../../src/storage/memory-drive';
import { MemoryObjectStore } from '../../src/storage/memory-object-store';
import { MemoryStateStore } from '../../src/storage/memory-state-store';
import { put, snapshot, T0 } from '../engine/fixture';
import { until } from '../helpers/pipe';

interface Peer {
  engine: ShareEngine;
  drive: MemoryDrive;
  infoHash: Uint8Array;
  attach: AttachSession;
  sessions: number;
}

async function peer(cap: Capability, device: string): Promise<Peer> {
  const drive = new MemoryDrive({ now: () => T0 });
  await drive.createMarker();
  const engine = new ShareEngine({
    capability: cap,
    drive,
    store: new MemoryObjectStore(),
    state: new MemoryStateStore(),
    device,
    now: () => T0,
  });
  const p: Peer = {
    engine,
    drive,
    infoHash: discoveryKey(cap),
    sessions: 0,
    attach: (send, events) => {
      p.sessions++;
      return engine.connect(send, events);
    },
  };
  return p;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A listener for `p` on loopback; collects why each accepted connection ended. */
async function listen(p: Peer): Promise<{ port: number; ends: string[] }> {
  const ends: string[] = [];
  const listener = await listenTcp({
    port: 0,
    host: '127.0.0.1',
    infoHash: p.infoHash,
    attach: p.attach,
    onEnd: (r) => ends.push(r),
    handshakeTimeoutMs: 3_000,
  });
  cleanups.push(() => listener.close());
  return { port: listener.port, ends };
}

describe('Peerfold over TCP', () => {
  it("carries writer A's folder to B byte for byte over loopback", async () => {
    const cap = createShare();
    const a = await peer(cap, '00000000000000aa');
    const b = await peer(cap, '00000000000000bb');
    const big = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
    await put(a.drive, 'docs/one.txt', utf8('one'));
    await put(a.drive, 'big.bin', big, T0 + 5, true);
    await a.engine.start();
    await b.engine.start();
    expect(Object.keys(await snapshot(b.drive))).toEqual([]);

    const { port, ends } = await listen(a);
    const dialerEnds: string[] = [];
    const conn = await dialTcp({
      host: '127.0.0.1',
      port,
      infoHash: b.infoHash,
      attach: b.attach,
      onEnd: (r) => dialerEnds.push(r),
    });
    cleanups.push(() => conn.close());

    const want = await snapshot(a.drive);
    const deadline = Date.now() + 20_000;
    while (JSON.stringify(await snapshot(b.drive)) !== JSON.stringify(want)) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await snapshot(b.drive)).toEqual(want);
    expect(Object.keys(want)).toEqual(['big.bin', 'docs', 'docs/one.txt']);
    expect(await b.drive.read('big.bin', 0, big.length + 1)).toEqual(big);
    expect(fromUtf8(await b.drive.read('docs/one.txt', 0, 10))).toBe('one');
    expect(conn.attached.session?.state).toBe('open');
    expect(a.sessions).toBe(1);
    expect(b.sessions).toBe(1);
    expect(ends).toEqual([]);

    // Closing B's session destroys its wire, and A's side of the connection ends too.
    conn.attached.session?.close('done');
    await until(() => dialerEnds.length === 1 && ends.length === 1, 5_000);
    expect(dialerEnds).toEqual(['session closed']);
  });

  it('rejects a peer of another share: no session, no data, wire destroyed', async () => {
    const a = await peer(createShare(), '00000000000000aa');
    await put(a.drive, 'secret.txt', utf8('secret'));
    await a.engine.start();
    const c = await peer(createShare(), '00000000000000cc');
    await c.engine.start();

    const { port, ends } = await listen(a);
    const dialerEnds: string[] = [];
    const conn = await dialTcp({
      host: '127.0.0.1',
      port,
      infoHash: c.infoHash,
      attach: c.attach,
      onEnd: (r) => dialerEnds.push(r),
    });
    cleanups.push(() => conn.close());
    await until(() => ends.length === 1 && dialerEnds.length === 1, 5_000);
    expect(ends).toEqual(['peer is in another swarm']);
    expect(conn.attached.session).toBeUndefined();
    expect(a.sessions).toBe(0);
    expect(c.sessions).toBe(0);
    expect(Object.keys(await snapshot(c.drive))).toEqual([]);
  });

  it('drops a peer that sends garbage, and keeps serving others', async () => {
    const cap = createShare();
    const a = await peer(cap, '00000000000000aa');
    await put(a.drive, 'kept.txt', utf8('still here'));
    await a.engine.start();
    const { port, ends } = await listen(a);

    for (const garbage of [
      new Uint8Array(4096).map((_, i) => (i * 31 + 7) % 256),
      utf8('\x13BitTorrent protocoX' + 'x'.repeat(60)),
    ]) {
      const socket = tcpConnect({ host: '127.0.0.1', port });
      const closed = new Promise<void>((r) => socket.on('close', () => r()));
      socket.on('error', () => {});
      socket.resume(); // read to EOF, or 'close' never comes
      socket.write(garbage);
      await closed;
    }
    await until(() => ends.length === 2, 5_000);
    expect(a.sessions).toBe(0);

    // A well-formed handshake in the right swarm followed by an absurd frame length.
    const framed = tcpConnect({ host: '127.0.0.1', port });
    const framedClosed = new Promise<void>((r) => framed.on('close', () => r()));
    framed.on('error', () => {});
    framed.resume();
    const handshake = new Uint8Array(68);
    handshake[0] = 19;
    handshake.set(utf8('BitTorrent protocol'), 1);
    handshake[25] = 0x10;
    handshake.set(a.infoHash, 28);
    framed.write(handshake);
    framed.write(Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 20, 1));
    await framedClosed;
    await until(() => ends.length === 3, 5_000);
    expect(ends[2]).toMatch(/too large/);

    const b = await peer(cap, '00000000000000bb');
    await b.engine.start();
    const conn = await dialTcp({ host: '127.0.0.1', port, infoHash: b.infoHash, attach: b.attach });
    cleanups.push(() => conn.close());
    const deadline = Date.now() + 20_000;
    while (!(await b.drive.stat('kept.txt')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(fromUtf8(await b.drive.read('kept.txt', 0, 100))).toBe('still here');
  });
});

describe('idle peers over TCP', () => {
  it('keeps a live pair with nothing to say connected: keep-alives reach both sides', async () => {
    const cap = createShare();
    const a = await peer(cap, '00000000000000aa');
    const b = await peer(cap, '00000000000000bb');
    await a.engine.start();
    await b.engine.start();
    const ends: string[] = [];
    const idle = { idleTimeoutMs: 600, handshakeTimeoutMs: 5_000 };
    const listener = await listenTcp({
      port: 0,
      host: '127.0.0.1',
      infoHash: a.infoHash,
      attach: a.attach,
      onEnd: (r) => ends.push(r),
      ...idle,
    });
    cleanups.push(() => listener.close());
    const conn = await dialTcp({
      host: '127.0.0.1',
      port: listener.port,
      infoHash: b.infoHash,
      attach: b.attach,
      onEnd: (r) => ends.push(r),
      ...idle,
    });
    cleanups.push(() => conn.close());
    await until(() => conn.attached.session?.state === 'open', 5_000);
    await new Promise((r) => setTimeout(r, 3_000)); // five idle timeouts with nothing to sync
    expect(ends).toEqual([]);
    expect(conn.attached.session?.state).toBe('open');
  });

  it('drops a peer it hears nothing from, before the handshake deadline', async () => {
    const a = await peer(createShare(), '00000000000000aa');
    await a.engine.start();
    const ends: string[] = [];
    const listener = await listenTcp({
      port: 0,
      host: '127.0.0.1',
      infoHash: a.infoHash,
      attach: a.attach,
      onEnd: (r) => ends.push(r),
      handshakeTimeoutMs: 60_000,
      idleTimeoutMs: 500,
    });
    cleanups.push(() => listener.close());
    const silent = tcpConnect(listener.port, '127.0.0.1');
    cleanups.push(() => silent.destroy());
    const closed = new Promise<void>((r) => silent.on('close', () => r()));
    await until(() => ends.length === 1, 5_000);
    expect(ends).toEqual(['peer silent']);
    await closed; // and its socket is closed
  });
});
