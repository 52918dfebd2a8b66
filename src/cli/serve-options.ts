/**
 * `peerfold serve`'s own flags, beside the server's (signaling/options.ts): the replicas it
 * keeps. `--share CAP` (repeatable) starts a replica; `--dir DIR` and `--share-port N` right
 * after it apply to that one. `--share-file FILE` adds one replica per line (`CAP` or `CAP DIR`;
 * blank lines and lines starting with `#` skipped), and PEERFOLD_SHARES (capabilities separated
 * by spaces) is used when neither is given: capabilities need not appear in `ps`.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseCommand, parsePort } from './args';
import { runtimeError, usageError } from './errors';
import { DISCOVERY_OPTIONS, parseDiscovery, type DiscoveryRun } from './share';

/** One replica as given: the capability text is parsed later (and never echoed). */
export interface ReplicaSpec {
  readonly text: string;
  readonly dir: string | undefined;
  readonly port: number;
  /** Where it was given, for error messages: `--share #2`, `--share-file f line 3`. */
  readonly origin: string;
}

export interface ServeFlags {
  readonly replicas: readonly ReplicaSpec[];
  readonly data: string | undefined;
  readonly json: boolean;
  readonly discovery: DiscoveryRun;
}

interface Group {
  text: string;
  dir?: string;
  port?: number;
  origin: string;
  fromFile: boolean;
}

export async function parseServeFlags(rest: string[], env: NodeJS.ProcessEnv): Promise<ServeFlags> {
  const { values, tokens } = parseCommand('serve', () =>
    parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      tokens: true,
      options: {
        share: { type: 'string', multiple: true },
        'share-file': { type: 'string', multiple: true },
        dir: { type: 'string', multiple: true },
        'share-port': { type: 'string', multiple: true },
        ...DISCOVERY_OPTIONS,
        data: { type: 'string' },
        json: { type: 'boolean' },
      },
    }),
  );
  const groups: Group[] = [];
  let shares = 0;
  for (const token of tokens) {
    if (token.kind !== 'option' || token.value === undefined) continue;
    const last = groups[groups.length - 1];
    if (token.name === 'share') {
      shares++;
      groups.push({ text: token.value, origin: `--share #${shares}`, fromFile: false });
    } else if (token.name === 'share-file') {
      groups.push(...(await readShareFile(token.value)));
    } else if (token.name === 'dir' || token.name === 'share-port') {
      const flag = `--${token.name}`;
      if (!last || last.fromFile) throw usageError(`${flag} must follow the --share it is for`);
      if (token.name === 'dir') {
        if (last.dir !== undefined) throw usageError(`${last.origin} has two --dir`);
        last.dir = token.value;
      } else {
        if (last.port !== undefined) throw usageError(`${last.origin} has two --share-port`);
        last.port = parsePort(token.value, '--share-port');
      }
    }
  }
  if (groups.length === 0) groups.push(...fromEnvironment(env));
  return {
    replicas: groups.map((g) => ({
      text: g.text,
      dir: g.dir,
      port: g.port ?? 0,
      origin: g.origin,
    })),
    data: values.data,
    json: values.json === true,
    discovery: parseDiscovery(values),
  };
}

async function readShareFile(file: string): Promise<Group[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
    throw runtimeError(`cannot read --share-file ${file}: ${why ?? 'unreadable'}`);
  }
  const groups: Group[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const space = line.search(/\s/);
    const dir = space < 0 ? undefined : line.slice(space).trim();
    groups.push({
      text: space < 0 ? line : line.slice(0, space),
      ...(dir !== undefined && { dir }),
      origin: `--share-file ${file} line ${i + 1}`,
      fromFile: true,
    });
  });
  if (groups.length === 0) throw usageError(`--share-file ${file} lists no capability`);
  return groups;
}

function fromEnvironment(env: NodeJS.ProcessEnv): Group[] {
  const list = (env.PEERFOLD_SHARES ?? '').split(/\s+/).filter((t) => t !== '');
  return list.map((text, i) => ({ text, origin: `PEERFOLD_SHARES #${i + 1}`, fromFile: false }));
}
