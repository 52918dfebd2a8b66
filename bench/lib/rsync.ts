/**
 * The rsync reference: a local rsync daemon (rsync://127.0.0.1:PORT/bench, a real socket, so
 * rsync runs its delta algorithm as between two machines; --no-whole-file makes sure) and
 * `rsync --stats` pushes into it. The figure is rsync's own count of its protocol stream:
 * "Total bytes sent" + "Total bytes received".
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface RsyncDaemon {
  /** The folder the daemon writes into. */
  readonly dir: string;
  /**
   * Pushes `src` (a file, or a folder's contents with a trailing slash) into the daemon's folder
   * (`dest`: a path inside it) and returns rsync's wire bytes and its wall time.
   */
  push(src: string, dest?: string): Promise<{ bytes: number; ms: number }>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startRsyncDaemon(work: string): Promise<RsyncDaemon> {
  const dir = join(work, 'rsync-dest');
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const conf = join(work, 'rsyncd.conf');
  await writeFile(
    conf,
    [
      'use chroot = no',
      `pid file = ${join(work, 'rsyncd.pid')}`,
      '[bench]',
      `path = ${dir}`,
      'read only = no',
      ...(process.getuid?.() === 0 ? ['uid = root', 'gid = root'] : []),
      '',
    ].join('\n'),
  );
  const args = ['--daemon', '--no-detach', `--config=${conf}`, '--address=127.0.0.1'];
  const daemon: ChildProcess = spawn('rsync', [...args, `--port=${port}`], { stdio: 'ignore' });
  const spawnError = new Promise<never>((_, reject) => daemon.once('error', reject));
  const url = `rsync://127.0.0.1:${port}/bench/`;
  // Wait until the daemon answers (it lists its module).
  for (let i = 0; ; i++) {
    try {
      await Promise.race([promisify(execFile)('rsync', [url]), spawnError]);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error('rsync is not installed (Debian: apt-get install rsync)', { cause: e });
      }
      if (i >= 50) throw new Error('rsync daemon did not start', { cause: e });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    dir,
    async push(src, dest = '') {
      const t0 = performance.now();
      const { stdout } = await promisify(execFile)(
        'rsync',
        ['-a', '--delete', '--no-whole-file', '--stats', src, `${url}${dest}`],
        { maxBuffer: 1 << 24 },
      );
      const ms = performance.now() - t0;
      const count = (what: string): number => {
        const m = new RegExp(`Total bytes ${what}: ([\\d,.]+)`).exec(stdout);
        if (!m) throw new Error(`rsync --stats printed no "Total bytes ${what}": ${stdout}`);
        return Number(m[1]!.replace(/[,.]/g, ''));
      };
      return { bytes: count('sent') + count('received'), ms };
    },
    async close() {
      daemon.kill('SIGTERM');
      if (daemon.exitCode === null) await new Promise((resolve) => daemon.once('close', resolve));
    },
  };
}
