/**
 * Peerfold's Node peers over WebRTC: `peerfold share --webrtc-only --tracker ws://...` (node-
 * datachannel), meeting each other (or a browser) through the harness's signaling server only.
 * As over TCP (peerfold.ts), a fresh receiver is done when its index root equals the sender's;
 * from a browser sender, whose root the harness cannot read, when it reports itself up to date
 * with a root under which its folder holds the sender's tree.
 */
import { performance } from 'node:perf_hooks';
import { snapshotFolder, type FolderSnapshot } from '../../test/helpers/folders';
import { isUpToDate, startShare, waitRoot, type Capabilities, type Receive } from './peerfold';
import type { Proc, Stamped } from './proc';

/** Starts a Write sender over `dir` and waits until its first scan is published. */
export async function startWebRtcSender(
  caps: Capabilities,
  dir: string,
  data: string,
  tracker: string,
  profileDir?: string,
  timeoutMs = 900_000,
): Promise<{ proc: Proc; root: string; readyAt: Stamped }> {
  const proc = startShare({
    name: 'sender',
    capability: caps.write,
    dir,
    data,
    webrtcTracker: tracker,
    profileDir,
  });
  const ready = await proc.waitFor((e) => isUpToDate(e) && Number(e.heads) >= 1, 'first head', {
    timeoutMs,
  });
  return { proc, root: String(ready.data.root), readyAt: ready };
}

/**
 * Starts a fresh receiver with `capability`; waits for its WebRTC peer, then for `root` (the
 * sender's) or, given a snapshot, for the first up-to-date root under which `dir` holds it.
 */
export async function receiveWebRtc(
  capability: string,
  dir: string,
  data: string,
  tracker: string,
  root: string | FolderSnapshot,
  profileDir?: string,
  timeoutMs = 900_000,
): Promise<Receive> {
  const proc = startShare({
    name: 'receiver',
    capability,
    dir,
    data,
    webrtcTracker: tracker,
    profileDir,
  });
  const connected = await proc.waitFor(
    (e) => e.event === 'peer' && e.action === 'connected',
    'peer connected',
    { timeoutMs: 90_000 },
  );
  if (connected.data.transport !== 'webrtc') {
    throw new Error(`Peerfold connected over ${String(connected.data.transport)}, not WebRTC`);
  }
  const done =
    typeof root === 'string'
      ? await waitRoot(proc, root, 0, timeoutMs)
      : await waitTree(proc, dir, root, timeoutMs);
  return { proc, connectedAt: connected.at, doneAt: done.at };
}

/** The first up-to-date status (with a root) after which `dir` holds `want`. */
async function waitTree(
  proc: Proc,
  dir: string,
  want: FolderSnapshot,
  timeoutMs: number,
): Promise<Stamped> {
  const deadline = performance.now() + timeoutMs;
  for (let after = 0; ;) {
    const left = Math.max(1, deadline - performance.now());
    const e = await proc.waitFor(isUpToDate, 'up to date with the sender’s tree', {
      timeoutMs: left,
      after,
    });
    if (JSON.stringify(await snapshotFolder(dir)) === JSON.stringify(want)) return e;
    after = proc.events.indexOf(e) + 1;
  }
}
