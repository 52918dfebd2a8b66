/**
 * Swarm test peers: a ShareEngine over a MemoryDrive and memory stores, and a Swarm for it on
 * 127.0.0.1 with port 0. Every swarm started here is closed by `closeAll` (call it in afterEach).
 */
import { createShare, discoveryKey, type Capability } from '../../src/core/capability';
import type { ShareEngine } from '../../src/engine/share';
import { startSwarm } from '../../src/net/node-swarm';
import type { AttachSession } from '../../src/net/stream-peer';
import type { PeerEvent, Swarm, SwarmOptions } from '../../src/net/swarm';
import type { MemoryDrive } from '../../src/storage/memory-drive';
import { snapshot, memoryPeer } from '../engine/fixture';

export interface SwarmPeer {
  engine: ShareEngine;
  drive: MemoryDrive;
  swarm: Swarm;
  /** Sessions made for this peer so far. */
  sessions: number;
  events: PeerEvent[];
  warnings: string[];
}

const started: Swarm[] = [];

export async function closeAll(): Promise<void> {
  await Promise.all(started.splice(0).map((s) => s.close()));
}

/** A started engine on an empty in-memory folder and a swarm for it. */
export async function swarmPeer(
  cap: Capability = createShare(),
  options: Partial<SwarmOptions> = {},
  files: Record<string, Uint8Array> = {},
): Promise<SwarmPeer> {
  const { engine, drive } = await memoryPeer(cap, files);
  const p = { engine, drive, sessions: 0, events: [], warnings: [] } as unknown as SwarmPeer;
  const attach: AttachSession = (send, events) => {
    p.sessions++;
    return engine.connect(send, events);
  };
  p.swarm = await startSwarm({
    infoHash: discoveryKey(cap),
    attach,
    host: '127.0.0.1',
    onPeersChanged: (e) => p.events.push(e),
    onWarning: (w) => p.warnings.push(w),
    ...options,
  });
  started.push(p.swarm);
  return p;
}

export const local = (p: SwarmPeer): { host: string; port: number } => ({
  host: '127.0.0.1',
  port: p.swarm.port,
});

/** Open connections of `p`'s swarm. */
export const openPeers = (p: SwarmPeer) => p.swarm.peers().filter((x) => x.state === 'open');

/** Polls `drive` until it holds what `want` holds; returns the last snapshot. */
export async function untilSame(
  drive: MemoryDrive,
  want: Record<string, string>,
  ms = 30_000,
): Promise<Record<string, string>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await snapshot(drive);
    if (JSON.stringify(got) === JSON.stringify(want) || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
}
