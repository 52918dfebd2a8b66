/**
 * Issue 3, discovery: two `peerfold share` processes that are given no address of each other
 * (no --peer) find each other through one source alone and sync the folder: a private Mainline
 * DHT of plain bittorrent-dht nodes (--dht-bootstrap, no public routers), LAN discovery
 * (BEP 14 multicast on the loopback interface and a test-chosen port), or a local HTTP tracker.
 */
import DHT from 'bittorrent-dht';
import { afterEach, describe, expect, it } from 'vitest';
import { startDhtNetwork, type DhtNetwork } from '../helpers/dht-nodes';
import { writeFiles } from '../helpers/folders';
import { freeUdpPort } from '../helpers/ports';
import { startTrackerServer, type TrackerServer } from '../helpers/tracker-server';
import { Fixture, waitForPeers, waitForSameTree, type Peer, type PeerOptions } from './peers';

let fixture: Fixture | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
  for (const close of closers.splice(0).reverse()) await close();
});

/**
 * Starts A and B (Write, no --peer) with `discovery` arguments, waits until they are connected
 * and B's folder equals A's. `beforeB` runs between the two starts.
 */
async function syncThrough(
  discovery: Pick<PeerOptions, 'dht' | 'lsd' | 'extra'>,
  beforeB: (a: Peer, share: string) => Promise<void> = () => Promise.resolve(),
): Promise<{ a: Peer; b: Peer }> {
  fixture = await Fixture.create();
  const share = await fixture.gen('a');
  await writeFiles(share.dir, {
    'found.txt': 'found without an address\n',
    'sub/data.bin': 400_000,
    'sub/deeper/more.bin': 70_000,
  });
  const dirB = await fixture.folder('b');
  const a = await fixture.start({
    id: share.write.capability,
    dir: share.dir,
    data: 'data-a',
    ...discovery,
  });
  await beforeB(a, a.proc.events.find((e) => e.event === 'started')!.share as string);
  const b = await fixture.start({
    id: share.write.capability,
    dir: dirB,
    data: 'data-b',
    ...discovery,
  });
  await waitForPeers(a, 1);
  await waitForPeers(b, 1);
  const tree = await waitForSameTree(share.dir, dirB, 120_000);
  expect(Object.keys(tree)).toEqual([
    'found.txt',
    'sub',
    'sub/data.bin',
    'sub/deeper',
    'sub/deeper/more.bin',
  ]);
  // One of them dialled the other at the listening port discovery reported.
  const dialled = (p: Peer, other: Peer) =>
    p.proc.events.some(
      (e) =>
        e.event === 'peer' && e.action === 'connected' && e.address === `127.0.0.1:${other.port}`,
    );
  expect(dialled(a, b) || dialled(b, a)).toBe(true);
  // Nobody was named: no `--peer` dial ever happened.
  for (const p of [a, b]) {
    expect(p.proc.events.filter((e) => e.event === 'dial-failed' && e.source === 'manual')).toEqual(
      [],
    );
  }
  return { a, b };
}

/** Resolves once a lookup in the private DHT returns `port` for `infoHash` (A announced). */
async function waitForDhtAnnounce(net: DhtNetwork, infoHash: string, port: number): Promise<void> {
  const probe = new DHT({ bootstrap: net.bootstrap });
  closers.push(() => new Promise<void>((r) => probe.destroy(r)));
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const found = await new Promise<boolean>((resolve) => {
      let seen = false;
      const onPeer = (peer: { port: number }, hash: Uint8Array) => {
        if (Buffer.from(hash).toString('hex') === infoHash && peer.port === port) seen = true;
      };
      probe.on('peer', onPeer);
      probe.lookup(infoHash, () => {
        probe.off('peer', onPeer);
        resolve(seen);
      });
    });
    if (found) return;
    if (Date.now() > deadline) throw new Error('A never appeared in the DHT');
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('peerfold share: discovery with no address given', () => {
  it('finds the other peer through a private DHT alone', async () => {
    const t0 = Date.now();
    const net = await startDhtNetwork(4);
    closers.push(() => net.close());
    const bootstrap = net.bootstrap.flatMap((node) => ['--dht-bootstrap', node]);
    const { a, b } = await syncThrough(
      { dht: true, lsd: false, extra: bootstrap },
      // B's one lookup at start must see A: wait until A's announce is in the DHT.
      (a, share) => waitForDhtAnnounce(net, share, a.port),
    );
    await fixture!.stop(b);
    await fixture!.stop(a);
    console.log(`discovery.test (dht): ${Date.now() - t0} ms`);
  }, 300_000);

  it('finds the other peer through LAN discovery alone (multicast on loopback)', async () => {
    const t0 = Date.now();
    const lsdPort = await freeUdpPort();
    const lan = ['--lsd-port', String(lsdPort), '--lsd-interface', '127.0.0.1'];
    const { a, b } = await syncThrough({ dht: false, lsd: true, extra: lan });
    await fixture!.stop(b);
    await fixture!.stop(a);
    console.log(`discovery.test (lsd): ${Date.now() - t0} ms`);
  }, 300_000);

  it('finds the other peer through a local HTTP tracker alone', async () => {
    const t0 = Date.now();
    const tracker: TrackerServer = await startTrackerServer(60_000);
    closers.push(() => tracker.close());
    const { a, b } = await syncThrough({
      dht: false,
      lsd: false,
      extra: ['--tracker', tracker.httpUrl],
    });
    expect(
      tracker.announces
        .filter((x) => x.event === 'start')
        .map((x) => x.port)
        .sort(),
    ).toEqual([a.port, b.port].sort());
    await fixture!.stop(b);
    await fixture!.stop(a);
    console.log(`discovery.test (tracker): ${Date.now() - t0} ms`);
  }, 300_000);
});
