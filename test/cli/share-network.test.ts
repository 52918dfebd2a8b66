import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCapability } from '../../src/core/capability';
import { decodeMarker, shareId } from '../../src/engine/marker';
import { CliProcess, stopAll } from '../helpers/cli-process';
import { waitForSameTree, writeFiles } from '../helpers/folders';
import { freeTcpPort } from '../helpers/ports';
import { gen, removeTempDirs, tempDir } from './fixture';

afterAll(async () => {
  await stopAll();
  await removeTempDirs();
});

describe('peerfold share: redialling, human output and pausing', () => {
  it(
    'redials a --peer with backoff until it is up, and again after it restarts',
    { timeout: 180_000 },
    async () => {
      const root = await tempDir();
      const share = await gen(join(root, 'a'));
      await writeFiles(share.dir, { 'one.txt': 'one\n', 'sub/two.bin': 5_000 });
      const dirB = join(root, 'b');
      await mkdir(dirB);
      const port = await freeTcpPort();
      const loopback = ['--host', '127.0.0.1'];
      const aArgs = [
        'share',
        '--dir',
        share.dir,
        '--data',
        join(root, 'data-a'),
        '--port',
        String(port),
        ...loopback,
      ];
      const b = CliProcess.start([
        'share',
        '--id',
        share.read.capability,
        '--dir',
        dirB,
        '--data',
        join(root, 'data-b'),
        '--peer',
        `127.0.0.1:${port}`,
        '--port',
        '0',
        ...loopback,
        '--json',
      ]);
      const first = await b.waitFor('dial-failed');
      const second = await b.waitFor('dial-failed', { after: b.events.indexOf(first) + 1 });
      expect(first).toMatchObject({
        address: `127.0.0.1:${port}`,
        source: 'manual',
        reason: expect.stringContaining('ECONNREFUSED') as unknown,
        retryMs: 1_000,
      });
      expect(second).toMatchObject({ retryMs: 2_000 });

      // A in human mode, with its capability in the environment.
      const env = { PEERFOLD_ID: share.write.capability };
      const a = CliProcess.start(aArgs, { env });
      await a.waitForText(
        new RegExp(`^Sharing ${share.dir} as Write \\(share [0-9a-f]{12}, pid \\d+\\)$`, 'm'),
      );
      await a.waitForText(new RegExp(`^listening on port ${port}$`, 'm'));
      await a.waitForText(/^Read peer 127\.0\.0\.1:\d+ connected \(1 peer\)$/m);
      await a.waitForText(/^up to date \(1 peer, last sync \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)$/m);
      expect(await b.waitFor({ event: 'peer', action: 'connected' })).toMatchObject({
        role: 'write',
      });
      await waitForSameTree(share.dir, dirB);
      expect(a.stdout).not.toContain('\r'); // not a terminal: no progress redrawn in place
      const stopped = await a.stop('SIGTERM');
      expect(stopped.code).toBe(0);
      expect(stopped.stdout).toMatch(/\nstopped \(SIGTERM\)\n$/);
      expect(stopped.stderr).toBe('');

      const left = await b.waitFor({ event: 'peer', action: 'left' });
      const again = CliProcess.start([...aArgs, '--json'], { env });
      await again.waitFor('listening');
      await b.waitFor({ event: 'peer', action: 'connected' }, { after: b.events.indexOf(left) });

      // B's marker deleted: B pauses, and resumes once it is back, with its identity rewritten.
      const marker = join(dirB, '.peerfold');
      const beforePause = b.events.length;
      await rm(marker, { recursive: true });
      const paused = await b.waitFor({ event: 'status', state: 'paused' }, { after: beforePause });
      expect(paused.reason).toBe('the folder marker .peerfold is missing');
      await mkdir(marker);
      await b.waitFor(
        { event: 'status', state: 'up-to-date' },
        { after: b.events.indexOf(paused) },
      );
      const id = decodeMarker(await readFile(join(marker, 'share')));
      expect(id.share).toBe(shareId(parseCapability(share.store.capability)));
      expect((await again.stop()).code).toBe(0);
      expect((await b.stop()).code).toBe(0);
    },
  );
});
