/**
 * The browser app `peerfold serve` serves: dist/app, built with Vite (its JS API, the
 * repository's vite.config.ts) when it is missing and the sources are there. A custom
 * `--app-dir` is served as it is, never built into (Vite empties its output folder).
 *
 * The build runs in a child Node process whose output goes to our stderr: the bundler (native
 * code) prints progress straight to file descriptor 1 whatever Vite's logLevel, and stdout
 * must carry only our own lines (one JSON event a line with --json).
 */
import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_APP_DIR } from '../../signaling/server';

export type AppState = 'ready' | 'built' | 'missing' | 'build-failed';

export interface AppStatus {
  readonly state: AppState;
  readonly dir: string;
  /** Why it is missing or failed, for a person. */
  readonly reason: string | null;
}

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** Makes sure the app is there, building the default one if it can; never throws. */
export async function ensureApp(
  appDir: string | undefined,
  onBuilding: () => void,
): Promise<AppStatus> {
  const dir = appDir ?? DEFAULT_APP_DIR;
  if (await exists(join(dir, 'index.html'))) return { state: 'ready', dir, reason: null };
  if (appDir !== undefined) {
    return { state: 'missing', dir, reason: `no index.html in ${dir}` };
  }
  if (!(await exists(join(REPOSITORY, 'index.html')))) {
    return { state: 'missing', dir, reason: 'the app sources (index.html) are not there yet' };
  }
  onBuilding();
  const failure = await viteBuild();
  if (failure !== undefined) return { state: 'build-failed', dir, reason: failure };
  if (await exists(join(dir, 'index.html'))) return { state: 'built', dir, reason: null };
  return { state: 'build-failed', dir, reason: `vite built no ${join(dir, 'index.html')}` };
}

/** Runs `vite build` through Vite's JS API in a child process; the failure, or undefined. */
function viteBuild(): Promise<string | undefined> {
  const script = "const { build } = await import('vite'); await build({ logLevel: 'warn' });";
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: REPOSITORY,
      stdio: ['ignore', 2, 2],
    });
    child.once('error', (e) => resolve(`cannot run Node: ${e.message}`));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(undefined);
      else resolve(`vite build failed (${signal ?? `exit code ${code}`}; its messages are above)`);
    });
  });
}
