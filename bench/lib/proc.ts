/**
 * A child process whose stdout JSON lines are events stamped with the harness clock
 * (performance.now()) on arrival, so a case can time "spawn to event" without trusting the
 * child's clock. Also reads the child's peak resident memory (VmHWM) from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export type Event = { readonly event: string } & Record<string, unknown>;

export interface Stamped {
  /** performance.now() when the line arrived. */
  readonly at: number;
  readonly data: Event;
}

const live = new Set<Proc>();

export class Proc {
  readonly child: ChildProcess;
  /** performance.now() just before spawn. */
  readonly spawnedAt: number;
  readonly events: Stamped[] = [];
  stderr = '';
  private pending = '';
  private readonly waiters = new Set<() => void>();
  private exited = false;
  private lastHwm = 0;
  readonly closed: Promise<number | null>;

  constructor(
    readonly name: string,
    args: readonly string[],
    env: Record<string, string | undefined> = {},
    { stdin = false }: { stdin?: boolean } = {},
  ) {
    const childEnv: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env))
      if (!k.startsWith('PEERFOLD_')) childEnv[k] = v;
    Object.assign(childEnv, env);
    this.spawnedAt = performance.now();
    this.child = spawn(process.execPath, args, {
      env: childEnv,
      stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    this.child.stdin?.on('error', () => undefined); // a child gone before reading it
    this.child.stdout!.setEncoding('utf8').on('data', (c: string) => this.onStdout(c));
    this.child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      this.stderr = (this.stderr + c).slice(-4000);
    });
    this.closed = new Promise((resolve) =>
      this.child.on('close', (code) => {
        this.exited = true;
        live.delete(this);
        this.wake();
        resolve(code);
      }),
    );
    live.add(this);
  }

  /** The first event matching `test` (from index `after` on); throws on timeout or exit. */
  async waitFor(
    test: (e: Event) => boolean,
    what: string,
    { timeoutMs = 120_000, after = 0 } = {},
  ): Promise<Stamped> {
    const deadline = performance.now() + timeoutMs;
    for (let i = after; ;) {
      for (; i < this.events.length; i++) if (test(this.events[i]!.data)) return this.events[i]!;
      if (this.exited) throw new Error(`${this.name} exited before ${what}: ${this.describe()}`);
      if (performance.now() > deadline) {
        throw new Error(`${this.name}: no ${what} within ${timeoutMs} ms: ${this.describe()}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** One line to the child's stdin (a Proc made with `stdin: true`), e.g. a signalling message. */
  send(message: unknown): void {
    if (!this.child.stdin) throw new Error(`${this.name}: started without stdin`);
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** Peak resident set size so far (bytes), from /proc/<pid>/status; kept after exit. */
  peakRss(): number {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
      if (kb) this.lastHwm = Math.max(this.lastHwm, Number(kb) * 1024);
    } catch {
      // exited: the last reading stands
    }
    return this.lastHwm;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.exited) return;
    this.peakRss();
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.closed;
    clearTimeout(timer);
  }

  describe(): string {
    const tail = this.events.slice(-6).map((e) => JSON.stringify(e.data));
    return `last events ${tail.join(' ')}; stderr ${JSON.stringify(this.stderr.slice(-1500))}`;
  }

  private onStdout(chunk: string): void {
    const at = performance.now();
    this.pending += chunk;
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl).trim();
      this.pending = this.pending.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      try {
        this.events.push({ at, data: JSON.parse(line) as Event });
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

/** Stops every child still running (a failed case, Ctrl-C). */
export async function stopAllProcs(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(5_000)));
}
