/**
 * The real signaling server (what `peerfold serve` runs) on a free loopback port: its tracker
 * introduces every WebRTC peer of the WebRTC rows, and it serves the built app (dist/app) to the
 * Chromium rows, built first when any source is newer than the build (vite's output goes to
 * stderr: stdout carries only the table).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_APP_DIR, startSignalingServer } from '../../signaling/server';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SOURCES = ['index.html', 'vite.config.ts', 'package-lock.json', 'public', 'src'];

function newestMtime(path: string): number {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Runs `vite build` unless dist/app is newer than every source. */
export function buildAppIfStale(log: (m: string) => void): void {
  const built = statSync(join(DEFAULT_APP_DIR, 'sw.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built > Math.max(...SOURCES.map((p) => newestMtime(join(root, p))))) return;
  log('  building the app (vite build)');
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });
  if (result.status !== 0) throw new Error('`vite build` failed; see its output above');
}

export interface AppServer {
  /** The app's origin with a trailing slash, e.g. http://127.0.0.1:PORT/. */
  readonly url: string;
  /** The tracker, ws://127.0.0.1:PORT. */
  readonly tracker: string;
  close(): Promise<void>;
}

/** Starts the server (serving dist/app, or nothing when `withApp` is false). */
export async function startAppServer(withApp: boolean, tmp: string): Promise<AppServer> {
  const errors: string[] = [];
  const server = await startSignalingServer({
    port: 0,
    host: '127.0.0.1',
    appDir: withApp ? DEFAULT_APP_DIR : join(tmp, 'no-app'),
    log: (line) => void (line.includes('listening') || errors.push(line)),
  });
  return {
    url: server.url,
    tracker: server.trackerUrl,
    close: async () => {
      await server.close();
      if (errors.length) throw new Error(`signaling server: ${errors.slice(0, 3).join('; ')}`);
    },
  };
}
