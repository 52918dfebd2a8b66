/**
 * `peerfold serve` as a process: the server on port 0 (URL, /health, /config.json, the page
 * saying the app is not built), a port in use, bad replica flags, and a Store replica kept by the
 * server that carries a share from one writer to another that is never online at the same time.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseCapability } from '../../src/core/capability';
import { shareId } from '../../src/engine/marker';
import { CliProcess, runCli, stopAll } from '../helpers/cli-process';
import { waitForSameTree, writeFiles } from '../helpers/folders';
import { expectFailure, gen, removeTempDirs, tempDir } from './fixture';

afterEach(stopAll);
afterAll(removeTempDirs);

const noDiscovery = ['--no-dht', '--no-lsd'];

async function emptyAppDir(): Promise<string> {
  const dir = join(await tempDir(), 'app');
  await mkdir(dir);
  return dir;
}

describe('peerfold serve', () => {
  it('starts on port 0, prints the URL to open, answers /health and /config.json', async () => {
    const serve = CliProcess.start(['serve', '--port', '0', '--app-dir', await emptyAppDir()]);
    const [, url, port] = await serve.waitForText(
      /^Open (http:\/\/127\.0\.0\.1:(\d+)\/) in a browser$/m,
    );
    expect(serve.stdout).toMatch(/^The app is not built \(no index\.html in .*\)/m);
    const health = (await (await fetch(`${url}health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, swarms: 0, peers: 0 });
    const config = (await (await fetch(`${url}config.json`)).json()) as Record<string, unknown>;
    expect(config).toEqual({ trackers: [`ws://127.0.0.1:${port}`], iceServers: [] });
    const page = await fetch(url!);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('the app has not been built yet');
    const stopped = await serve.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/\nstopped \(SIGTERM\)\n$/);
    expect(stopped.stderr).toBe('');
  });

  it('says in one line that a port is in use, and exits 1', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const { port } = taken.address() as { port: number };
    try {
      const r = await runCli(['serve', '--port', String(port), '--app-dir', await emptyAppDir()]);
      expectFailure(r, 1, new RegExp(`^peerfold: port ${port} is in use\\n$`));
      expect(r.stdout).toBe('');
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it('refuses bad replica flags before listening, never echoing a capability', async () => {
    const root = await tempDir();
    const share = await gen(join(root, 'a'));
    expectFailure(
      await runCli(['serve', '--port', '0', '--share', `${share.store.capability.slice(0, -3)}`]),
      2,
      /^peerfold: --share #1: bad capability/,
    );
    expectFailure(
      await runCli(['serve', '--share', share.read.capability]),
      2,
      /--share #1: a Read capability needs --dir FOLDER/,
    );
    expectFailure(
      await runCli(['serve', '--dir', root, '--share', share.store.capability]),
      2,
      /--dir must follow the --share it is for/,
    );
    expectFailure(
      await runCli(['serve', '--tracker', share.write.link]),
      2,
      /not shown: it looks like a capability/,
    );
  });

  it(
    'keeps a Store replica that carries the share from writer A to writer B, never online together',
    { timeout: 240_000 },
    async () => {
      const root = await tempDir();
      const share = await gen(join(root, 'a'));
      await writeFiles(share.dir, { 'notes.txt': 'from A\n', 'data/blob.bin': 1_500_000 });
      const capFile = join(root, 'shares.txt');
      await writeFile(capFile, `# replicas\n${share.store.capability}\n`);
      const serve = CliProcess.start([
        'serve',
        '--port',
        '0',
        '--app-dir',
        await emptyAppDir(),
        '--share-file',
        capFile,
        '--data',
        join(root, 'data-serve'),
        ...noDiscovery,
        '--json',
      ]);
      const ready = await serve.waitFor('ready');
      const port = Number(new URL(String(ready.url)).port);
      const replicaPort = Number((await serve.waitFor({ event: 'listening', replica: 0 })).port);

      // Writer A meets the replica over WebRTC through the server's tracker, and nothing else.
      const a = CliProcess.start(
        ['share', '--dir', share.dir, '--data', join(root, 'data-a'), '--webrtc-only'].concat([
          '--tracker',
          `ws://127.0.0.1:${port}`,
          '--json',
        ]),
        { env: { PEERFOLD_ID: share.write.capability } },
      );
      const aStarted = Date.now();
      const met = await serve.waitFor(
        { event: 'peer', action: 'connected', replica: 0 },
        { timeoutMs: 90_000 },
      );
      expect(met).toMatchObject({ transport: 'webrtc', role: 'write' });
      const connectMs = Date.now() - aStarted;
      const full = (e: { event: string } & Record<string, unknown>): boolean =>
        e.event === 'status' && e.replica === 0 && e.heads === 1 && e.state === 'up-to-date';
      await serve.waitFor(full, { after: serve.events.indexOf(met), timeoutMs: 90_000 });
      const replicatedMs = Date.now() - aStarted - connectMs;
      expect((await a.stop('SIGTERM')).code).toBe(0);
      await serve.waitFor({ event: 'peer', action: 'left', replica: 0 });

      // Writer B, into an empty folder, reaches only the replica (over TCP), after A left.
      const dirB = join(root, 'b');
      await mkdir(dirB);
      const b = CliProcess.start(
        ['share', '--dir', dirB, '--data', join(root, 'data-b'), '--peer'].concat([
          `127.0.0.1:${replicaPort}`,
          '--host',
          '127.0.0.1',
          ...noDiscovery,
          '--json',
        ]),
        { env: { PEERFOLD_ID: share.write.capability } },
      );
      expect(await b.waitFor({ event: 'peer', action: 'connected' })).toMatchObject({
        transport: 'tcp',
        role: 'store',
      });
      await waitForSameTree(share.dir, dirB, 120_000, 100);
      const health = await (await fetch(`http://127.0.0.1:${port}/health`)).text();
      expect((await b.stop('SIGTERM')).code).toBe(0);
      const done = await serve.stop('SIGTERM');
      expect(done.code).toBe(0);

      const captured = [done.stdout, done.stderr, health].join('\n');
      for (const cap of [share.write, share.read, share.store]) {
        expect(captured).not.toContain(cap.capability);
      }
      expect(captured).not.toMatch(/pf(write|read|store)1|#/);
      expect(health).not.toContain(shareId(parseCapability(share.store.capability)));
      console.log(
        `serve: WebRTC connect ${connectMs} ms after A started; 1.5 MB replicated in ${replicatedMs} ms`,
      );
    },
  );
});
