/** `peerfold share`: checks the command line and the folder, then runs the share (share-run.ts). */
import { realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROLE_NAME } from '../core/capability';
import { parseCommand, parsePeer, parsePort, parseTracker } from './args';
import { loadCapability, readCapabilityText } from './capability-input';
import { resolveDataDir } from './data-dir';
import { runtimeError, usageError } from './errors';
import type { CommandContext } from './main';
import { createPrinter } from './output';

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommand('share', () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        id: { type: 'string' },
        'id-file': { type: 'string' },
        dir: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        peer: { type: 'string', multiple: true },
        tracker: { type: 'string', multiple: true },
        'no-dht': { type: 'boolean' },
        'no-lsd': { type: 'boolean' },
        data: { type: 'string' },
        json: { type: 'boolean' },
      },
    }),
  );
  const text = await readCapabilityText({ id: values.id, idFile: values['id-file'] }, ctx.env);
  const port = values.port === undefined ? 0 : parsePort(values.port);
  const peers = (values.peer ?? []).map(parsePeer);
  const trackers = (values.tracker ?? []).map(parseTracker);
  const host = values.host ?? '0.0.0.0';
  if (values.host !== undefined && !/^[0-9a-fA-F:.]+$/.test(host)) {
    throw usageError(`bad --host ${JSON.stringify(host)}: expected an IP address to listen on`);
  }
  const cap = await loadCapability(text);
  if (cap.role === 'store' && values.dir !== undefined) {
    throw usageError(
      'a Store capability keeps an encrypted replica and has no folder: drop --dir (it cannot read files)',
    );
  }
  if (cap.role !== 'store' && values.dir === undefined) {
    throw usageError(`a ${ROLE_NAME[cap.role]} capability needs --dir FOLDER`);
  }
  const dir = values.dir === undefined ? undefined : await checkFolder(resolve(values.dir));
  const { runShare } = await import('./share-run');
  return runShare({
    capability: cap,
    dir,
    data: resolveDataDir(values.data, ctx.env),
    port,
    host,
    peers,
    trackers,
    dht: !values['no-dht'],
    lsd: !values['no-lsd'],
    out: createPrinter(values.json === true, ctx.stdout),
  });
}

/** The folder's real path (one folder has one identity in the data dir, however reached). */
async function checkFolder(dir: string): Promise<string> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw runtimeError(`folder ${dir} does not exist`);
  }
  if (!isDir) throw runtimeError(`${dir} is not a folder`);
  return realpath(dir);
}
