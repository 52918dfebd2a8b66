/**
 * The CLI's expected failures: one line on stderr starting `peerfold: ` and an exit code, 2 for
 * a command line that is wrong in itself (usage), 1 for a world that is not as asked (runtime).
 * Messages never carry a capability: arguments are echoed only through `echo`.
 */
import { isPeerfoldError } from '../core/errors';

export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const usageError = (message: string): CliError => new CliError(message, EXIT_USAGE);
export const runtimeError = (message: string): CliError => new CliError(message, EXIT_RUNTIME);

/** `text` quoted for an error message, unless it may be a capability. */
export function echo(text: string): string {
  if (/pf(write|read|store)1/i.test(text) || text.includes('#')) {
    return '(not shown: it looks like a capability)';
  }
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** The message and exit code for anything a command threw. */
export function describeFailure(e: unknown): { message: string; exitCode: number } {
  if (e instanceof CliError) return { message: e.message, exitCode: e.exitCode };
  if (isPeerfoldError(e)) {
    const usage = e.code === 'bad-capability' || e.code === 'unsupported';
    return { message: e.message, exitCode: usage ? EXIT_USAGE : EXIT_RUNTIME };
  }
  const text = e instanceof Error ? e.message : String(e);
  return { message: `unexpected error: ${text}`, exitCode: EXIT_RUNTIME };
}
