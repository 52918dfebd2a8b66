/**
 * `peerfold gen --dir DIR`: creates a share for a folder (made if missing, its parent must
 * exist), marks the folder with the share's public identity, and prints the Write, Read and
 * Store capabilities with their links.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { capabilityLink, formatCapability, toRead, toStore } from '../core/capability';
import { writeFromSeed, type Capability } from '../core/capability';
import { initCrypto } from '../core/crypto';
import { isPeerfoldError } from '../core/errors';
import { claimFolder } from '../engine/marker';
import { NodeDrive } from '../storage/node-drive';
import { parseBaseUrl, parseCommand } from './args';
import { runtimeError, usageError } from './errors';
import type { CommandContext } from './main';

export const DEFAULT_URL = 'http://localhost:8080';

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommand('gen', () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { dir: { type: 'string' }, url: { type: 'string' }, json: { type: 'boolean' } },
    }),
  );
  if (values.dir === undefined) throw usageError('missing --dir FOLDER (see peerfold gen --help)');
  const base =
    values.url !== undefined
      ? parseBaseUrl(values.url, '--url')
      : ctx.env.PEERFOLD_URL
        ? parseBaseUrl(ctx.env.PEERFOLD_URL, 'PEERFOLD_URL')
        : DEFAULT_URL;
  const dir = await makeFolder(resolve(values.dir));

  await initCrypto();
  const write = writeFromSeed(new Uint8Array(randomBytes(32)));
  try {
    await claimFolder(await NodeDrive.open(dir), write, true);
  } catch (e) {
    if (isPeerfoldError(e, 'other-share') || isPeerfoldError(e, 'unsupported')) {
      throw runtimeError(`${dir}: ${e.message.replace(/, this is .*\)$/, ')')}`);
    }
    throw e;
  }
  const caps = { write, read: toRead(write), store: toStore(write) };
  const shown = (cap: Capability): { capability: string; link: string } => ({
    capability: formatCapability(cap),
    link: capabilityLink(cap, base),
  });
  if (values.json) {
    const json = {
      dir,
      write: shown(caps.write),
      read: shown(caps.read),
      store: shown(caps.store),
    };
    ctx.stdout.write(`${JSON.stringify(json)}\n`);
    return 0;
  }
  const lines = [`Created a share for ${dir}`, ''];
  for (const [label, cap] of [
    ['Write', caps.write],
    ['Read ', caps.read],
    ['Store', caps.store],
  ] as const) {
    const s = shown(cap);
    lines.push(`${label}  ${s.capability}`, `       ${s.link}`);
  }
  lines.push(
    '',
    'Give Write only to your own devices (they can change files), Read to people who may see the',
    'files but not change them, Store to an always-on machine that keeps an encrypted copy it cannot read.',
    `Start syncing: peerfold share --id-file FILE --dir ${dir}`,
  );
  ctx.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** Makes `dir` if missing (not its parents); returns its real path. */
async function makeFolder(dir: string): Promise<string> {
  const parent = dirname(dir);
  try {
    if (!(await stat(parent)).isDirectory()) throw new Error('not a folder');
  } catch {
    throw runtimeError(`the parent folder ${parent} does not exist`);
  }
  try {
    await mkdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw runtimeError(`cannot create ${dir}: ${(e as NodeJS.ErrnoException).code}`);
    }
    if (!(await stat(dir)).isDirectory()) throw runtimeError(`${dir} is not a folder`);
  }
  return realpath(dir);
}
