import { connect, createServer, type Server, type Socket } from 'node:net';
import Wire from 'bittorrent-protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, utf8 } from '../../src/core/bytes';
import { createShare, discoveryKey } from '../../src/core/capability';
import { EXTENSION_NAME } from '../../src/core/wire-types';
import { encodePex, PEX_EXTENSION } from '../../src/net/pex';
import { attachStream } from '../../src/net/stream-peer';
import { snapshot } from '../engine/fixture';
import { until } from '../helpers/pipe';
import { closeAll, local, openPeers, swarmPeer, untilSame } from './swarm-fixture';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await closeAll();
});

/** A wire that completes both BitTorrent handshakes for `infoHash`, then runs `misbehave`. */
function hostileWire(
  socket: Socket,
  infoHash: Uint8Array,
  initiator: boolean,
  misbehave: (wire: Wire, socket: Socket) => void,
  listenPort?: number,
  id: Uint8Array = new Uint8Array(20).fill(0xee),
): void {
  socket.on('error', () => undefined);
  const wire = new Wire();
  class Named {}
  Object.defineProperty(Named.prototype, 'name', { value: EXTENSION_NAME });
  wire.use(Named as unknown as Parameters<Wire['use']>[0]);
  if (listenPort !== undefined) wire.extendedHandshake.p = listenPort;
  wire.on('handshake', () => {
    if (!initiator) wire.handshake(infoHash, id);
  });
  wire.on('extended', (ext) => {
    if (ext === 'handshake') misbehave(wire, socket);
  });
  socket.pipe(wire as unknown as NodeJS.WritableStream);
  wire.pipe(socket);
  if (initiator) wire.handshake(infoHash, id);
}

/** A TCP server that speaks the handshakes and then misbehaves; counts what it accepted. */
async function hostileServer(
  infoHash: Uint8Array,
  misbehave: (wire: Wire, socket: Socket) => void,
): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    hostileWire(socket, infoHash, false, misbehave);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { port: address.port, accepted: () => accepted };
}

/** Bytes straight into the wire's outgoing stream, after what it already queued. */
const rawPush = (wire: Wire, bytes: Uint8Array): void =>
  void (wire as unknown as { push(b: Uint8Array): boolean }).push(bytes);

const garbage = new Uint8Array(300).map((_, i) => (i * 37 + 11) % 256);

describe('Swarm: hostile peers', () => {
  it('drops a dialled peer that sends garbage, avoids it, and keeps serving others', async () => {
    const cap = createShare();
    let clock = Date.now();
    const a = await swarmPeer(
      cap,
      { now: () => clock, avoidMs: 60_000 },
      { 'kept.txt': utf8('still here') },
    );
    const hostile = await hostileServer(discoveryKey(cap), (wire) =>
      wire.extended(EXTENSION_NAME, garbage),
    );
    const address = { host: '127.0.0.1', port: hostile.port };
    expect(a.swarm.addPeer(address, 'dht')).toBe('dialing');
    await until(() => a.swarm.isAvoided(address));
    expect(a.events).toMatchObject([
      { type: 'dial-failed', port: hostile.port, retryMs: undefined },
    ]);
    expect(a.swarm.addPeer(address, 'tracker')).toBe('avoided');
    expect(a.swarm.addPeer(address, 'pex')).toBe('avoided');
    expect(hostile.accepted()).toBe(1);

    const b = await swarmPeer(cap);
    expect(b.swarm.addPeer(local(a), 'manual')).toBe('dialing');
    const want = await snapshot(a.drive);
    expect(await untilSame(b.drive, want)).toEqual(want);
    expect(hostile.accepted()).toBe(1);

    // The avoidance has a term: once it is over, the address may be dialled again.
    clock += 60_000;
    expect(a.swarm.isAvoided(address)).toBe(false);
    expect(a.swarm.addPeer(address, 'dht')).toBe('dialing');
    await until(() => hostile.accepted() === 2);
  });

  it('avoids the listen address of an accepted peer that sends an oversized frame', async () => {
    const cap = createShare();
    const a = await swarmPeer(cap);
    const claimed = 40_000; // the port the hostile peer says it listens on
    const socket = connect({ host: '127.0.0.1', port: a.swarm.port });
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    hostileWire(
      socket,
      discoveryKey(cap),
      true,
      // through the wire's own output, so it follows the extended handshake that tells `p`
      (wire) => rawPush(wire, Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 20, 1)),
      claimed,
    );
    await closed;
    await until(() => a.swarm.isAvoided({ host: '127.0.0.1', port: claimed }));
    expect(a.swarm.addPeer({ host: '127.0.0.1', port: claimed }, 'pex')).toBe('avoided');
    await until(() => a.swarm.peers().length === 0);
  });

  it('keeps a proven peer when a stranger claims its peer id', async () => {
    const cap = createShare();
    // Ids chosen so that, were the proven connection not protected, the id rule for crossed
    // dials would keep the stranger's (dialled by the lower id) and drop A's own dial to B.
    const a = await swarmPeer(cap, { peerId: new Uint8Array(20).fill(0xff) });
    const b = await swarmPeer(cap, { peerId: new Uint8Array(20).fill(0x01) });
    a.swarm.addPeer(local(b), 'manual');
    await until(() => openPeers(a).length === 1);
    const socket = connect({ host: '127.0.0.1', port: a.swarm.port });
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    let answered = false;
    hostileWire(
      socket,
      discoveryKey(cap),
      true,
      () => (answered = true),
      undefined,
      fromHex(b.swarm.peerId),
    );
    await closed;
    expect(answered).toBe(false); // refused before A even answered the handshake
    expect(openPeers(a)).toMatchObject([{ peerId: b.swarm.peerId, direction: 'out' }]);
    expect(a.events.map((e) => e.type)).toEqual(['connected']);
  });

  for (const [name, messages] of [
    ['a malformed PEX message', [utf8('not bencode at all')]],
    [
      'PEX messages more often than once a minute',
      [1, 2].map((n) => encodePex({ added: [], dropped: [{ host: '10.0.0.1', port: n }] })),
    ],
  ] as const) {
    it(`drops and avoids a proven peer that sends ${name}`, async () => {
      const cap = createShare();
      const a = await swarmPeer(cap);
      const liar = await swarmPeer(cap, { pex: false }); // only its engine is used
      const claimed = 40_001;
      const socket = connect({ host: '127.0.0.1', port: a.swarm.port });
      await new Promise((r) => socket.once('connect', r));
      const attached = attachStream(
        socket,
        {
          infoHash: discoveryKey(cap),
          attach: (send, events) => liar.engine.connect(send, events),
          listenPort: claimed,
          extensions: [PEX_EXTENSION],
          onOpen: () => {
            for (const m of messages) attached.sendExtension(PEX_EXTENSION, m);
          },
        },
        true,
      );
      cleanups.push(() => attached.destroy());
      await until(() => a.swarm.isAvoided({ host: '127.0.0.1', port: claimed }));
      await until(() => a.swarm.peers().length === 0);
      expect(a.events.map((e) => e.type)).toEqual(['connected', 'disconnected']);
      expect(a.events[1]).toMatchObject({ kind: 'misbehaved' });
      expect(openPeers(a)).toEqual([]);
    });
  }
});
