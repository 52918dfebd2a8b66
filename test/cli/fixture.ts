/** Shared set-up of the CLI tests (not a test file): temp dirs and a generated share. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli-process';

const made: string[] = [];

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'peerfold-cli-'));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export interface Generated {
  readonly dir: string;
  readonly write: { capability: string; link: string };
  readonly read: { capability: string; link: string };
  readonly store: { capability: string; link: string };
}

/** `peerfold gen --dir DIR --json`, checked to succeed. */
export async function gen(dir: string, ...extra: string[]): Promise<Generated> {
  const r = await runCli(['gen', '--dir', dir, '--json', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Generated;
}

/** The process failed with one `peerfold: ` line on stderr matching `message`, and `code`. */
export function expectFailure(r: CliResult, code: number, message: RegExp): void {
  expect(r.stderr).toMatch(/^peerfold: [^\n]+\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(code);
  expect(r.stderr).not.toMatch(/pf(write|read|store)1[0-9a-z]{8}/); // no capability text
  expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
}

/** Every file below `root` (recursively) whose content contains one of `needles`. */
export async function filesContaining(root: string, needles: readonly string[]): Promise<string[]> {
  const hits: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const text = (await readFile(path)).toString('latin1');
        if (needles.some((n) => text.includes(n))) hits.push(path);
      }
    }
  };
  await walk(root);
  return hits;
}
