/**
 * Compatibility the other way round: two WebRTC-only `peerfold share` processes meet through the
 * stock bittorrent-tracker server (WebSocket, default options) instead of ours, and sync.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Server from 'bittorrent-tracker/server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CliProcess, stopAll } from '../helpers/cli-process';
import { waitForSameTree, writeFiles } from '../helpers/folders';
import { gen, removeTempDirs, tempDir } from '../cli/fixture';

let server: Server | undefined;
afterEach(async () => {
  await stopAll();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});
afterAll(removeTempDirs);

async function stockTracker(): Promise<string> {
  const s = new Server({ http: false, udp: false, ws: true, stats: false });
  server = s;
  await new Promise<void>((resolve, reject) => {
    s.on('error', reject);
    s.listen(0, { http: '127.0.0.1' }, resolve); // its WebSocket server rides on the HTTP one
  });
  const address = s.http?.address();
  if (!address || typeof address === 'string') throw new Error('stock tracker: no address');
  return `ws://127.0.0.1:${address.port}`;
}

describe('Peerfold through the stock bittorrent-tracker server', () => {
  it('two WebRTC-only peers meet through it and sync', { timeout: 240_000 }, async () => {
    const tracker = await stockTracker();
    const root = await tempDir();
    const share = await gen(join(root, 'a'));
    await writeFiles(share.dir, { 'one.txt': 'one\n', 'sub/two.bin': 200_000 });
    const dirB = join(root, 'b');
    await mkdir(dirB);
    const args = (dir: string, data: string): string[] =>
      ['share', '--dir', dir, '--data', join(root, data), '--webrtc-only'].concat([
        '--tracker',
        tracker,
        '--json',
      ]);
    const a = CliProcess.start(args(share.dir, 'data-a'), {
      env: { PEERFOLD_ID: share.write.capability },
    });
    await a.waitFor({ event: 'status', state: 'up-to-date' });
    const b = CliProcess.start(args(dirB, 'data-b'), {
      env: { PEERFOLD_ID: share.read.capability },
    });
    const met = await b.waitFor({ event: 'peer', action: 'connected' }, { timeoutMs: 90_000 });
    expect(met).toMatchObject({ transport: 'webrtc', role: 'write' });
    await waitForSameTree(share.dir, dirB, 120_000, 100);
  });
});
