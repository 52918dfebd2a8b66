/**
 * Real `peerfold` processes (bin/peerfold.js, as a user runs it) for the cases: make a share,
 * run a sender over a folder and a fresh receiver dialling it with --peer, and wait for the
 * receiver's local index root to equal the sender's (the folder then holds the sender's tree:
 * the root is recorded only after the apply wrote it). DHT and LAN discovery stay off, so the
 * only peer is the one named.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Proc, type Stamped } from './proc';

const BIN = fileURLToPath(new URL('../../bin/peerfold.js', import.meta.url));

export interface Capabilities {
  readonly write: string;
  readonly read: string;
}

/** `peerfold gen --dir DIR`: the folder becomes a share; its capabilities stay in memory. */
export async function genShare(dir: string): Promise<Capabilities> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    BIN,
    'gen',
    '--dir',
    dir,
    '--json',
  ]);
  const out = JSON.parse(stdout) as { write: { capability: string }; read: { capability: string } };
  return { write: out.write.capability, read: out.read.capability };
}

export interface ShareOptions {
  readonly name: string;
  /** The capability (passed in PEERFOLD_ID, never on the command line). */
  readonly capability: string;
  readonly dir: string;
  readonly data: string;
  /** `host:port` to dial. */
  readonly peer?: string;
  /** A ws:// tracker: the share meets peers over WebRTC only (--webrtc-only), through it. */
  readonly webrtcTracker?: string;
  /** Write a CPU profile (node --cpu-prof) into this folder on exit. */
  readonly profileDir?: string;
}

/**
 * Starts `peerfold share --json` on loopback with DHT and LAN discovery off (or, given a
 * `webrtcTracker`, with WebRTC through it as its only transport).
 */
export function startShare(o: ShareOptions): Proc {
  // --cpu-prof is refused in NODE_OPTIONS: it goes before the script.
  const profile = o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : [];
  const args = [...profile, BIN, 'share', '--dir', o.dir, '--data', o.data, '--json'];
  if (o.webrtcTracker) args.push('--webrtc-only', '--tracker', o.webrtcTracker);
  else args.push('--no-dht', '--no-lsd', '--host', '127.0.0.1');
  if (o.peer) args.push('--peer', o.peer);
  return new Proc(o.name, args, { PEERFOLD_ID: o.capability });
}

export const isUpToDate = (e: Record<string, unknown>): boolean =>
  e.event === 'status' && e.state === 'up-to-date' && typeof e.root === 'string';

/** A running sender: its port and the root it publishes. */
export interface Sender {
  readonly proc: Proc;
  readonly port: number;
  root: string;
}

/** Starts the sender over `dir` and waits until its scan is published (a head exists). */
export async function startSender(
  caps: Capabilities,
  dir: string,
  data: string,
  profileDir?: string,
  timeoutMs = 900_000,
): Promise<Sender & { readyAt: Stamped }> {
  const proc = startShare({ name: 'sender', capability: caps.write, dir, data, profileDir });
  const listening = await proc.waitFor((e) => e.event === 'listening', 'listening', { timeoutMs });
  const ready = await proc.waitFor((e) => isUpToDate(e) && Number(e.heads) >= 1, 'first head', {
    timeoutMs,
  });
  return { proc, port: Number(listening.data.port), root: String(ready.data.root), readyAt: ready };
}

/** Waits until the sender has scanned a change and published it; returns the new root's event. */
export async function waitNewRoot(
  sender: Sender,
  after: number,
  timeoutMs = 600_000,
): Promise<Stamped> {
  const old = sender.root;
  const e = await sender.proc.waitFor((d) => isUpToDate(d) && d.root !== old, 'a new root', {
    timeoutMs,
    after,
  });
  sender.root = String(e.data.root);
  return e;
}

export interface Receive {
  readonly proc: Proc;
  /** performance.now() of the first `peer connected` event. */
  readonly connectedAt: number;
  /** performance.now() when its root equalled the sender's. */
  readonly doneAt: number;
}

/** Starts a fresh receiver (Read capability) dialling the sender and waits until synced. */
export async function receive(
  caps: Capabilities,
  dir: string,
  data: string,
  peer: string,
  root: string,
  profileDir?: string,
  timeoutMs = 900_000,
): Promise<Receive> {
  const proc = startShare({ name: 'receiver', capability: caps.read, dir, data, peer, profileDir });
  const connected = await proc.waitFor(
    (e) => e.event === 'peer' && e.action === 'connected',
    'peer connected',
    { timeoutMs: 60_000 },
  );
  const done = await waitRoot(proc, root, 0, timeoutMs);
  return { proc, connectedAt: connected.at, doneAt: done.at };
}

/** Waits until `proc` reports the local root `root` (searching events from `after` on). */
export function waitRoot(
  proc: Proc,
  root: string,
  after = 0,
  timeoutMs = 600_000,
): Promise<Stamped> {
  return proc.waitFor((e) => e.event === 'status' && e.root === root, `root ${root.slice(0, 12)}`, {
    timeoutMs,
    after,
  });
}

/** The data folder of a share process, e.g. `<tmp>/data-sender`. */
export const dataDir = (tmp: string, who: string): string => join(tmp, `data-${who}`);
