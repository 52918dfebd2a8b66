/**
 * The WebRTC bridge end to end, with real `peerfold share` processes and the real signaling
 * server: A speaks WebRTC only (--webrtc-only: no TCP, uTP or DHT), B has both the ws tracker and
 * a TCP port, C speaks TCP only and knows nothing but B's address. A's folder reaches B over
 * WebRTC and C through B; a later edit on A travels the same way.
 */
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSignalingServer, type SignalingServer } from '../../signaling/server';
import { CliProcess, runCli, stopAll, type CliEvent } from '../helpers/cli-process';
import { waitForSameTree, writeFiles } from '../helpers/folders';
import { expectFailure, gen, removeTempDirs, tempDir } from '../cli/fixture';

let server: SignalingServer | undefined;
const serverLog: string[] = [];

afterEach(async () => {
  await stopAll();
  await server?.close();
  server = undefined;
});
afterAll(removeTempDirs);

const loopback = ['--no-dht', '--no-lsd', '--host', '127.0.0.1', '--port', '0'];
const peerEvents = (p: CliProcess): CliEvent[] =>
  p.events.filter((e) => e.event === 'peer' && e.action === 'connected');

describe('the WebRTC bridge', () => {
  it(
    'syncs a WebRTC-only peer with a bridge peer, and a TCP-only peer through the bridge',
    { timeout: 240_000 },
    async () => {
      server = await startSignalingServer({
        port: 0,
        host: '127.0.0.1',
        appDir: join(await tempDir(), 'no-app'),
        log: (line) => serverLog.push(line),
      });
      const tracker = `ws://127.0.0.1:${server.port}/announce`;
      const root = await tempDir();
      const share = await gen(join(root, 'a'));
      await writeFiles(share.dir, { 'one.txt': 'one\n', 'sub/big.bin': 3_000_000, 'e/f.txt': 9 });
      const [dirB, dirC] = [join(root, 'b'), join(root, 'c')];
      await Promise.all([mkdir(dirB), mkdir(dirC)]);

      const started = Date.now();
      const a = CliProcess.start(
        ['share', '--dir', share.dir, '--data', join(root, 'data-a')].concat([
          '--webrtc-only',
          '--tracker',
          tracker,
          '--json',
        ]),
        { env: { PEERFOLD_ID: share.write.capability } },
      );
      await a.waitFor({ event: 'status', state: 'up-to-date' });
      const bStarted = Date.now();
      const b = CliProcess.start(
        ['share', '--dir', dirB, '--data', join(root, 'data-b'), '--tracker', tracker].concat([
          ...loopback,
          '--json',
        ]),
        { env: { PEERFOLD_ID: share.read.capability } },
      );
      const bPort = Number((await b.waitFor('listening', { timeoutMs: 60_000 })).port);
      const bSawA = await b.waitFor({ event: 'peer', action: 'connected' }, { timeoutMs: 90_000 });
      const connectMs = Date.now() - bStarted;
      expect(bSawA).toMatchObject({ transport: 'webrtc', role: 'write' });
      expect(await a.waitFor({ event: 'peer', action: 'connected' })).toMatchObject({
        transport: 'webrtc',
        role: 'read',
      });
      await waitForSameTree(share.dir, dirB, 120_000, 100);
      const transferMs = Date.now() - bStarted - connectMs;

      const cStarted = Date.now();
      const c = CliProcess.start(
        ['share', '--dir', dirC, '--data', join(root, 'data-c')].concat([
          '--peer',
          `127.0.0.1:${bPort}`,
          ...loopback,
          '--json',
        ]),
        { env: { PEERFOLD_ID: share.read.capability } },
      );
      expect(await c.waitFor({ event: 'peer', action: 'connected' })).toMatchObject({
        transport: 'tcp',
        role: 'read',
        address: `127.0.0.1:${bPort}`,
      });
      await waitForSameTree(share.dir, dirC, 120_000, 100);
      const viaTcpMs = Date.now() - cStarted;

      // A live edit on A reaches C, which has no way to A but through B.
      await writeFile(join(share.dir, 'later.txt'), 'written after C joined\n');
      await waitForSameTree(share.dir, dirC, 120_000, 100);

      // A never listened nor met anyone but over WebRTC; C met only B, over TCP (PEX did not
      // advertise A: it has no address).
      expect(a.events.some((e) => e.event === 'listening')).toBe(false);
      expect(peerEvents(a).map((e) => e.transport)).toEqual(['webrtc']);
      expect(peerEvents(c).map((e) => e.transport)).toEqual(['tcp']);
      expect(
        peerEvents(b)
          .map((e) => e.transport)
          .sort(),
      ).toEqual(['tcp', 'webrtc']);

      // Nothing secret reached the server.
      const seen = [...serverLog, JSON.stringify(server.counters())].join('\n');
      for (const cap of [share.write, share.read, share.store]) {
        expect(seen).not.toContain(cap.capability);
      }
      expect(seen).not.toMatch(/pf(write|read|store)1|#/);
      console.log(
        `bridge: WebRTC connect ${connectMs} ms after B started; 3 MB A->B over WebRTC in ` +
          `${transferMs} ms; C synced over TCP through B in ${viaTcpMs} ms; total ${Date.now() - started} ms`,
      );
    },
  );

  it('refuses --webrtc-only with anything that needs TCP, or without a ws tracker', async () => {
    const root = await tempDir();
    const share = await gen(join(root, 'a'));
    const base = ['share', '--id', share.write.capability, '--dir', share.dir, '--webrtc-only'];
    expectFailure(
      await runCli([...base, '--tracker', 'ws://127.0.0.1:9', '--peer', '127.0.0.1:9']),
      2,
      /--peer contradicts --webrtc-only/,
    );
    expectFailure(
      await runCli([...base, '--tracker', 'http://127.0.0.1:9/announce']),
      2,
      /http\(s\) or udp --tracker contradicts --webrtc-only/,
    );
    expectFailure(await runCli(base), 2, /--webrtc-only needs a ws:\/\/ or wss:\/\/ --tracker/);
  });
});
