/**
 * The `peerfold` command line (DESIGN.md section 8): the only Node entry that picks concrete
 * adapters. Each command lives in its own module, imported only when run, so startup stays lean.
 */
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { sodiumBlake2b, useAead, useBlake2b } from '../core/crypto';
import { hasNodeAead, nodeAead } from './node-aead';
import { nodeBlake2b } from './node-blake2b';
import { wantsHelp } from './args';
import { describeFailure, echo, usageError } from './errors';
import { HELP, TOP_HELP } from './help';

export interface CommandContext {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: Writable & { isTTY?: boolean };
}

type Command = { run(args: string[], ctx: CommandContext): Promise<number> };

const COMMANDS: Record<string, () => Promise<Command>> = {
  gen: () => import('./gen'),
  share: () => import('./share'),
  serve: () => import('./serve'),
  status: () => import('./status'),
  ls: () => import('./ls'),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Runs one command line; resolves with the exit code. Expected failures print one line. */
export async function main(argv: string[], ctx: CommandContext): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === undefined) throw usageError('missing command (see peerfold --help)');
    if (command === '--help' || command === '-h') return print(ctx, TOP_HELP);
    if (command === '--version') return print(ctx, `peerfold ${version()}\n`);
    if (command === 'help') {
      const topic = args[0];
      if (topic === undefined) return print(ctx, TOP_HELP);
      if (!HELP[topic]) throw usageError(`no command ${echo(topic)} (see peerfold --help)`);
      return print(ctx, HELP[topic]);
    }
    const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!load) throw usageError(`unknown command ${echo(command)} (see peerfold --help)`);
    if (wantsHelp(args)) return print(ctx, HELP[command]!);
    return await (await load()).run(args, ctx);
  } catch (e) {
    const { message, exitCode } = describeFailure(e);
    process.stderr.write(`peerfold: ${message}\n`);
    if (process.env.PEERFOLD_DEBUG && e instanceof Error && e.stack) {
      process.stderr.write(`${e.stack}\n`);
    }
    return exitCode;
  }
}

function print(ctx: CommandContext, text: string): number {
  ctx.stdout.write(text);
  return 0;
}

/** The process entry (bin/peerfold.js). */
export async function runCli(): Promise<void> {
  if (hasNodeAead()) useAead(nodeAead); // OpenSSL's: libsodium's bytes, about 4x faster
  useBlake2b(nodeBlake2b(sodiumBlake2b)); // native libsodium's where it loads: about 2x faster
  const code = await main(process.argv.slice(2), { env: process.env, stdout: process.stdout });
  process.exitCode = code;
  // Anything left holding the event loop (a socket closing slowly) must not keep us alive.
  setTimeout(() => process.exit(code), 2_000).unref();
}
