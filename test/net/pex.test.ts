import { connect } from 'node:net';
import Wire from 'bittorrent-protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { encode } from '../../src/core/bencode';
import { createShare, discoveryKey } from '../../src/core/capability';
import { isPeerfoldError } from '../../src/core/errors';
import { attachPeerfold } from '../../src/net/extension';
import { formatIp, parseIp } from '../../src/net/ip';
import {
  decodePex,
  encodePex,
  MAX_PEX_PEERS,
  MIN_RECEIVE_GAP_MS,
  PEX_EXTENSION,
  PexPeer,
} from '../../src/net/pex';
import { normaliseHost } from '../../src/net/transport';
import { until } from '../helpers/pipe';
import { closeAll, local, openPeers, swarmPeer } from './swarm-fixture';

afterEach(closeAll);

const entry = (host: string, port: number) => ({
  address: { host, port },
  reachable: true,
  utp: false,
});

describe('PEX messages (BEP 11)', () => {
  it('round-trips IPv4 and IPv6 addresses, added and dropped', () => {
    const bytes = encodePex({
      added: [entry('10.0.0.1', 6881), entry('2001:db8::7', 443), entry('::1', 1)],
      dropped: [{ host: '192.168.1.9', port: 65535 }],
    });
    expect(decodePex(bytes)).toEqual({
      added: [
        { host: '10.0.0.1', port: 6881 },
        { host: '2001:db8::7', port: 443 },
        { host: '::1', port: 1 },
      ],
      dropped: [{ host: '192.168.1.9', port: 65535 }],
    });
  });

  it('rejects what is not a PEX message, and more than 50 peers', () => {
    const reject = (bytes: Uint8Array, code: 'malformed' | 'too-large') => {
      let error: unknown;
      try {
        decodePex(bytes);
      } catch (e) {
        error = e;
      }
      expect(isPeerfoldError(error, code)).toBe(true);
    };
    reject(Uint8Array.of(0x64, 0x31), 'malformed');
    reject(encode([1, 2]), 'malformed');
    reject(encode({ added: new Uint8Array(7) }), 'malformed');
    reject(encode({ added6: new Uint8Array(6) }), 'malformed');
    reject(encode({ dropped: 5 }), 'malformed');
    reject(encode({ added: new Uint8Array(6 * (MAX_PEX_PEERS + 1)) }), 'too-large');
    expect(decodePex(encode({ added: new Uint8Array(6 * MAX_PEX_PEERS) })).added).toHaveLength(
      MAX_PEX_PEERS,
    );
  });

  it('tells a peer only what changed since the last message', () => {
    const pex = new PexPeer();
    const first = pex.update([entry('10.0.0.1', 1), entry('10.0.0.2', 2)]);
    expect(decodePex(first!).added).toHaveLength(2);
    expect(pex.update([entry('10.0.0.1', 1), entry('10.0.0.2', 2)])).toBeUndefined();
    const second = decodePex(pex.update([entry('10.0.0.2', 2), entry('10.0.0.3', 3)])!);
    expect(second).toEqual({
      added: [{ host: '10.0.0.3', port: 3 }],
      dropped: [{ host: '10.0.0.1', port: 1 }],
    });
  });

  it('refuses a peer that sends PEX more than about once a minute', () => {
    let now = 1_000_000;
    const pex = new PexPeer(() => now);
    const message = encodePex({ added: [entry('10.0.0.1', 1)], dropped: [] });
    expect(pex.receive(message)).toEqual([{ host: '10.0.0.1', port: 1 }]);
    now += MIN_RECEIVE_GAP_MS - 1;
    expect(() => pex.receive(message)).toThrow(/once a minute/);
    now += MIN_RECEIVE_GAP_MS;
    expect(pex.receive(message)).toHaveLength(1);
  });

  it('spells each address one way', () => {
    for (const [text, canonical] of [
      ['1.2.3.4', '1.2.3.4'],
      ['::1', '::1'],
      ['2001:DB8:0:0:0:0:0:7', '2001:db8::7'],
      ['[fe80::1]', 'fe80::1'],
      ['::ffff:10.1.2.3', '10.1.2.3'],
      ['Example.ORG', 'example.org'],
    ]) {
      expect(normaliseHost(text!)).toBe(canonical);
    }
    expect(formatIp(parseIp('::ffff:1.2.3.4')!)).toBe('::ffff:102:304');
    expect(parseIp('example.org')).toBeUndefined();
  });
});

describe('PEX between swarms', () => {
  it('lets C find B through A, and only after C proved the share', async () => {
    const cap = createShare();
    const a = await swarmPeer(cap);
    const b = await swarmPeer(cap);
    const c = await swarmPeer(cap);
    expect(b.swarm.addPeer(local(a), 'manual')).toBe('dialing');
    await until(() => openPeers(a).length === 1 && openPeers(b).length === 1);

    expect(c.swarm.addPeer(local(a), 'manual')).toBe('dialing');
    // A tells C about B (B's listen port, learned from B's extended handshake); C dials it.
    await until(() => openPeers(c).some((p) => p.port === b.swarm.port));
    expect(openPeers(c).find((p) => p.port === b.swarm.port)).toMatchObject({
      source: 'pex',
      direction: 'out',
      peerId: b.swarm.peerId,
    });
    await until(() => openPeers(b).some((p) => p.peerId === c.swarm.peerId));
    expect(openPeers(b).find((p) => p.peerId === c.swarm.peerId)).toMatchObject({
      direction: 'in',
      port: c.swarm.port,
    });
  });

  it('tells a peer that has not proved the share nothing', async () => {
    const cap = createShare();
    const a = await swarmPeer(cap);
    const b = await swarmPeer(cap);
    b.swarm.addPeer(local(a), 'manual');
    await until(() => openPeers(a).length === 1);

    // A stranger that knows the discovery key (as a tracker or DHT crawler does) but not the
    // share: it offers ut_pex and runs a session of another share, so its proof fails.
    const stranger = await swarmPeer(createShare(), { pex: false });
    const socket = connect({ host: '127.0.0.1', port: a.swarm.port });
    socket.on('error', () => undefined);
    const wire = new Wire();
    const heard: string[] = [];
    wire.on('extended', (ext) => heard.push(String(ext)));
    let ended = '';
    attachPeerfold(wire, {
      infoHash: discoveryKey(cap),
      initiator: true,
      extensions: [PEX_EXTENSION],
      createSession: (send, events) => stranger.engine.connect(send, events),
      onEnd: (reason) => {
        ended = reason;
        socket.destroy();
      },
    });
    socket.pipe(wire as unknown as NodeJS.WritableStream);
    wire.pipe(socket);
    await until(() => ended !== '');
    expect(ended).toMatch(/did not prove/);
    expect(heard).toContain('handshake');
    expect(heard).not.toContain(PEX_EXTENSION);
    await until(() => a.swarm.peers().length === 1);
    expect(openPeers(a)).toMatchObject([{ peerId: b.swarm.peerId }]);
  });
});
