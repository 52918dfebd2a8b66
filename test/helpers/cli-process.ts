/**
 * Real `peerfold` processes for tests: `runCli` runs a command to its end; `CliProcess.start`
 * keeps one running (e.g. `share --json`), parses its stdout line by line into JSON events, and
 * waits for events with a deadline. `stopAll` (call it in afterEach) kills what a test left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/peerfold.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Added to the environment (PEERFOLD_* from the test runner's own environment are dropped). */
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
}

export type CliEvent = { readonly event: string } & Record<string, unknown>;

const running = new Set<CliProcess>();

function environment(extra: CliOptions['env']): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PEERFOLD_')) env[k] = v;
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  /** Every JSON line of stdout, in order. */
  readonly events: CliEvent[] = [];
  /** Resolves when the process has exited. */
  readonly exited: Promise<CliResult>;
  private pending = '';
  private readonly waiters = new Set<() => void>();

  private constructor(args: readonly string[], options: CliOptions) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: environment(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        running.delete(this);
        this.wake();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
    running.add(this);
  }

  static start(args: readonly string[], options: CliOptions = {}): CliProcess {
    return new CliProcess(args, options);
  }

  get done(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /**
   * The first event (from index `after` on) matching `match`: an event name, a partial object
   * compared field by field, or a predicate. Rejects after `timeoutMs` or if the process exits.
   */
  async waitFor(
    match: string | Record<string, unknown> | ((e: CliEvent) => boolean),
    options: { after?: number; timeoutMs?: number } = {},
  ): Promise<CliEvent> {
    const test =
      typeof match === 'function'
        ? match
        : typeof match === 'string'
          ? (e: CliEvent) => e.event === match
          : (e: CliEvent) => Object.entries(match).every(([k, v]) => e[k] === v);
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const wanted =
      typeof match === 'function'
        ? `matching ${match.name || 'a predicate'}`
        : JSON.stringify(match);
    for (;;) {
      const found = this.events.slice(options.after ?? 0).find(test);
      if (found) return found;
      if (this.done) throw new Error(`exited before an event ${wanted}: ${this.describe()}`);
      if (Date.now() > deadline) {
        throw new Error(`no event ${wanted} in time: ${this.describe()}`);
      }
      await this.changed(deadline);
    }
  }

  /** Resolves on new output or exit, or at `deadline`. */
  private changed(deadline: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()) + 1);
      this.waiters.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Waits until stdout matches `pattern` (human output); rejects after `timeoutMs` or on exit. */
  async waitForText(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.stdout);
      if (m) return m;
      if (this.done) throw new Error(`exited before ${String(pattern)}: ${this.describe()}`);
      if (Date.now() > deadline)
        throw new Error(`no ${String(pattern)} in time: ${this.describe()}`);
      await this.changed(deadline);
    }
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<CliResult> {
    if (!this.done) this.child.kill(signal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`did not exit after ${signal}: ${this.describe()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Output so far, for failure messages. */
  describe(): string {
    const tail = this.events.slice(-8).map((e) => JSON.stringify(e));
    const out =
      this.events.length > 0
        ? `events ${tail.join(' ')}`
        : `stdout ${JSON.stringify(this.stdout.slice(-2000))}`;
    return `${out} stderr ${JSON.stringify(this.stderr.slice(-2000))}`;
  }

  private onStdout(chunk: string): void {
    this.stdout += chunk;
    this.pending += chunk;
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, newline).trim();
      this.pending = this.pending.slice(newline + 1);
      if (!line.startsWith('{')) continue;
      try {
        this.events.push(JSON.parse(line) as CliEvent);
      } catch {
        // not an event line
      }
    }
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
    this.waiters.clear();
  }
}

/** Runs `peerfold args...` to its end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return CliProcess.start(args, options).exited;
}

/** Kills every process still running (SIGKILL) and waits for them. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop('SIGKILL')));
}
