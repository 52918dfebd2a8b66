/**
 * Real `peerfold share` processes on loopback for the integration tests (not a test file): a
 * share made with `peerfold gen`, peers each with their own data dir in one temp folder, and
 * helpers to wait for what the peers report. `cleanup()` (afterEach) kills and deletes it all.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CliProcess, runCli, stopAll, type CliEvent } from '../helpers/cli-process';

export interface Capabilities {
  readonly dir: string;
  readonly write: { capability: string };
  readonly read: { capability: string };
  readonly store: { capability: string };
}

export interface PeerOptions {
  /** The capability text. */
  readonly id: string;
  /** The folder (Write, Read); absent for Store. */
  readonly dir?: string;
  /** The data dir's name below the fixture's temp folder (one per simulated machine). */
  readonly data: string;
  /** Ports of running peers to dial (`--peer 127.0.0.1:PORT`). */
  readonly dial?: readonly number[];
  /** Discovery left on: by default the test runs with `--no-dht --no-lsd`. */
  readonly dht?: boolean;
  readonly lsd?: boolean;
  /** More arguments (`--tracker URL`, `--dht-bootstrap ...`, `--lsd-port ...`). */
  readonly extra?: readonly string[];
}

export interface Peer {
  readonly proc: CliProcess;
  readonly dir: string | undefined;
  readonly data: string;
  readonly port: number;
  readonly device: string;
}

/** The `received` byte total of the latest `progress` event (0 before any). */
export function bytesReceived(peer: Peer): number {
  const last = [...peer.proc.events].reverse().find((e) => e.event === 'progress');
  return typeof last?.received === 'number' ? last.received : 0;
}

/** Waits until the peer reports `n` connected peers (a `peer` or `status` event after `after`). */
export function waitForPeers(
  peer: Peer,
  n: number,
  options: { after?: number; timeoutMs?: number } = {},
): Promise<CliEvent> {
  return peer.proc.waitFor((e) => (e.event === 'peer' || e.event === 'status') && e.peers === n, {
    timeoutMs: 120_000,
    ...options,
  });
}

/**
 * Waits until the peer is up to date with nothing pending, and has been for `quietMs` (so a
 * head arriving right after an `up-to-date` is not missed).
 */
export async function waitUpToDate(
  peer: Peer,
  quietMs = 1_500,
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = [...peer.proc.events].reverse().find((e) => e.event === 'status');
    const count = peer.proc.events.length;
    if (last?.state === 'up-to-date' && last.pending === 0) {
      await new Promise((r) => setTimeout(r, quietMs));
      const now = [...peer.proc.events].reverse().find((e) => e.event === 'status');
      if (now === last) return;
      continue;
    }
    if (Date.now() > deadline) throw new Error(`not up to date: ${peer.proc.describe()}`);
    await peer.proc.waitFor('status', { after: count, timeoutMs: 2_000 }).catch(() => undefined);
    if (peer.proc.done) throw new Error(`exited: ${peer.proc.describe()}`);
  }
}

export { snapshotLive, waitForSameTree } from '../helpers/folders';

export class Fixture {
  private constructor(readonly root: string) {}

  static async create(): Promise<Fixture> {
    return new Fixture(await mkdtemp(join(tmpdir(), 'peerfold-it-')));
  }

  /** A path below the fixture's temp folder. */
  path(name: string): string {
    return join(this.root, name);
  }

  /** An empty folder below the temp folder. */
  async folder(name: string): Promise<string> {
    const dir = this.path(name);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** `peerfold gen --dir <name> --json`: a new share for a new folder. */
  async gen(name: string): Promise<Capabilities> {
    const r = await runCli(['gen', '--dir', this.path(name), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Capabilities;
  }

  /** Starts `peerfold share --json` on loopback and waits until it listens. */
  async start(options: PeerOptions): Promise<Peer> {
    const data = this.path(options.data);
    const args = ['share', '--id', options.id, '--data', data, '--json'];
    args.push('--port', '0', '--host', '127.0.0.1');
    if (options.dir) args.push('--dir', options.dir);
    for (const port of options.dial ?? []) args.push('--peer', `127.0.0.1:${port}`);
    if (!options.dht) args.push('--no-dht');
    if (!options.lsd) args.push('--no-lsd');
    args.push(...(options.extra ?? []));
    const proc = CliProcess.start(args);
    const started = await proc.waitFor('started', { timeoutMs: 120_000 });
    const listening = await proc.waitFor('listening', { timeoutMs: 120_000 });
    return {
      proc,
      dir: options.dir,
      data,
      port: listening.port as number,
      device: started.device as string,
    };
  }

  /** Stops a peer with SIGTERM and checks it shut down cleanly. */
  async stop(peer: Peer): Promise<void> {
    const r = await peer.proc.stop('SIGTERM', 60_000);
    expect(r.code, peer.proc.describe()).toBe(0);
  }

  /** Kills what is still running and deletes the temp folder. */
  async cleanup(): Promise<void> {
    await stopAll();
    await rm(this.root, { recursive: true, force: true });
  }
}
