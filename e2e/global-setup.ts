// Builds the app when dist/app is missing or older than its sources, then starts the REAL
// signaling server (the one `peerfold serve` runs) on a free port, serving dist/app. Tests find
// it through PEERFOLD_E2E_URL and read everything it logged from PEERFOLD_E2E_SERVER_LOG.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSignalingServer } from '../signaling/server';

const root = fileURLToPath(new URL('..', import.meta.url));
const appDir = join(root, 'dist', 'app');
const SOURCES = ['index.html', 'vite.config.ts', 'package-lock.json', 'public', 'src/main.tsx'];
const SOURCE_DIRS = [
  'src/ui',
  'src/sw',
  'src/core',
  'src/engine',
  'src/storage',
  'src/worker',
  'src/net',
];

function newestMtime(path: string): number {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

function buildIfStale(): void {
  const built = statSync(join(appDir, 'sw.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(...[...SOURCES, ...SOURCE_DIRS].map((p) => newestMtime(join(root, p))));
  if (built > sources) return;
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('e2e: `vite build` failed; see its output above');
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  buildIfStale();
  const logDir = mkdtempSync(join(tmpdir(), 'peerfold-e2e-'));
  const logFile = join(logDir, 'server.log');
  writeFileSync(logFile, '');
  const server = await startSignalingServer({
    port: 0,
    host: '127.0.0.1',
    appDir,
    log: (line) => appendFileSync(logFile, `${line}\n`),
  });
  process.env.PEERFOLD_E2E_URL = server.url;
  process.env.PEERFOLD_E2E_SERVER_LOG = logFile;
  return async () => {
    await server.close();
    rmSync(logDir, { recursive: true, force: true });
  };
}
