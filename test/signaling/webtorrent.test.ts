// Compatibility: two stock WebTorrent clients (Node, WebRTC through node-datachannel) move a
// torrent through our tracker, with every other way of finding peers switched off.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebTorrent from 'webtorrent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './harness';
import { expectNothingIdentifying, secrets, startTestServer } from './harness';

let t: TestServer;
let dir: string;

beforeAll(async () => {
  t = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'peerfold-webtorrent-'));
});

afterAll(async () => {
  expectNothingIdentifying(t);
  await t.server.close();
  await rm(dir, { recursive: true, force: true });
});

const WEBRTC_ONLY = {
  dht: false,
  lsd: false,
  utPex: false,
  utp: false,
  natUpnp: false,
  natPmp: false,
  webSeeds: false,
} as const;

const binary = (hex: string) => Buffer.from(hex, 'hex').toString('latin1');

describe('stock WebTorrent through our tracker', () => {
  it('transfers a torrent from one client to another over WebRTC', async () => {
    const content = randomBytes(256 * 1024);
    const source = join(dir, 'payload.bin');
    await writeFile(source, content);
    const seeder = new WebTorrent(WEBRTC_ONLY);
    const leecher = new WebTorrent(WEBRTC_ONLY);
    for (const client of [seeder, leecher]) {
      secrets.add(binary(client.peerId));
      client.on('error', (err) => expect.unreachable(String(err)));
    }
    try {
      const seeded = await new Promise<WebTorrent.Torrent>((resolve) =>
        seeder.seed(source, { announce: [t.server.trackerUrl] }, resolve),
      );
      secrets.add(binary(seeded.infoHash));
      const downloaded = await new Promise<WebTorrent.Torrent>((resolve) => {
        const torrent = leecher.add(seeded.magnetURI, {
          announce: [t.server.trackerUrl],
          path: join(dir, 'out'),
        });
        torrent.on('done', () => resolve(torrent));
      });
      expect(await readFile(join(dir, 'out', 'payload.bin'))).toEqual(content);
      expect(downloaded.wires.length).toBeGreaterThan(0);
      expect(downloaded.wires.every((wire) => wire.type === 'webrtc')).toBe(true);
    } finally {
      await Promise.all([seeder, leecher].map((c) => new Promise((r) => c.destroy(r))));
    }
    expect(t.server.counters().dropped).toMatchObject({
      forgedPeer: 0,
      unknownOffer: 0,
      badMessage: 0,
    });
  });
});
