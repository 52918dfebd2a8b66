import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromUtf8, utf8 } from '../../src/core/bytes';
import { createShare } from '../../src/core/capability';
import { iterate, treeKeys } from '../../src/core/tree';
import { decodeMarker, shareId } from '../../src/engine/marker';
import { ShareEngine, type ShareStatus } from '../../src/engine/share';
import { watchShare, type Syncable } from '../../src/engine/watch';
import { MemoryDrive } from '../../src/storage/memory-drive';
import { MemoryObjectStore } from '../../src/storage/memory-object-store';
import { MemoryStateStore } from '../../src/storage/memory-state-store';
import { until } from '../helpers/pipe';
import { put, T0 } from './fixture';

/** An engine that only counts the syncs asked of it. */
class CountingEngine implements Syncable {
  syncs = 0;
  status: ShareStatus = { state: 'idle' };
  sync(): Promise<void> {
    this.syncs++;
    return Promise.resolve();
  }
}

/** An engine that records each sync: the paths it was given, or 'all'. */
class PathEngine implements Syncable {
  calls: (string[] | 'all')[] = [];
  status: ShareStatus = { state: 'idle' };
  sync(): Promise<void> {
    this.calls.push('all');
    return Promise.resolve();
  }
  syncPaths(paths: Iterable<string>): Promise<void> {
    this.calls.push([...paths].sort());
    return Promise.resolve();
  }
}

const OPTIONS = { debounceMs: 100, maxDelayMs: 1_000, rescanMs: 10_000, resumeCheckMs: 500 };

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  vi.useRealTimers();
});

describe('watchShare with a counting engine (fake timers)', () => {
  it('debounces a burst of changes into one sync after the quiet time', async () => {
    vi.useFakeTimers();
    const drive = new MemoryDrive({ now: () => T0 });
    await drive.createMarker();
    const engine = new CountingEngine();
    stops.push(watchShare(engine, drive, OPTIONS));
    for (let i = 0; i < 5; i++) await put(drive, `f${i}.txt`, utf8(`${i}`));
    await vi.advanceTimersByTimeAsync(99);
    expect(engine.syncs).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(engine.syncs).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(engine.syncs).toBe(1);
  });

  it('syncs a steady stream of changes at least every maxDelayMs', async () => {
    vi.useFakeTimers();
    const drive = new MemoryDrive({ now: () => T0 });
    await drive.createMarker();
    const engine = new CountingEngine();
    stops.push(watchShare(engine, drive, OPTIONS));
    for (let t = 0; t < 2_000; t += 50) {
      await put(drive, 'busy.log', utf8(`${t}`));
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(engine.syncs).toBe(2); // at 1 000 and 2 000 ms; the debounce alone would never fire
  });

  it('passes the reported paths on, and scans everything for an event without a path or a rescan', async () => {
    vi.useFakeTimers();
    let emit: (path?: string) => void = () => undefined;
    const drive = {
      watch: (onChange: (path?: string) => void) => ((emit = onChange), () => undefined),
      status: () => Promise.resolve('ok'),
    } as unknown as MemoryDrive;
    const engine = new PathEngine();
    stops.push(watchShare(engine, drive, OPTIONS));
    emit('a/x.txt');
    emit('b/y.txt');
    await vi.advanceTimersByTimeAsync(100);
    expect(engine.calls).toEqual([['a/x.txt', 'b/y.txt']]);
    emit('c/z.txt');
    emit();
    await vi.advanceTimersByTimeAsync(100);
    expect(engine.calls).toEqual([['a/x.txt', 'b/y.txt'], 'all']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(engine.calls.at(-1)).toBe('all');
    expect(engine.calls).toHaveLength(3);
    for (let i = 0; i < 1001; i++) emit(`burst/f${i}`); // an unpacked archive: one whole sync
    await vi.advanceTimersByTimeAsync(100);
    expect(engine.calls.at(-1)).toBe('all');
    expect(engine.calls).toHaveLength(4);
  });

  it('rescans periodically with no event at all, and stops everything when stopped', async () => {
    vi.useFakeTimers();
    const drive = new MemoryDrive({ now: () => T0 });
    await drive.createMarker();
    const engine = new CountingEngine();
    const stop = watchShare(engine, drive, OPTIONS);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(engine.syncs).toBe(3);
    stop();
    expect(vi.getTimerCount()).toBe(0);
    await put(drive, 'after-stop.txt', utf8('x'));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(engine.syncs).toBe(3);
  });

  it('checks a paused folder and syncs once it is back, not before', async () => {
    vi.useFakeTimers();
    const drive = new MemoryDrive({ now: () => T0 });
    const engine = new CountingEngine();
    engine.status = { state: 'paused', reason: 'missing-marker' };
    stops.push(watchShare(engine, drive, OPTIONS));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(engine.syncs).toBe(0);
    await drive.createMarker();
    await vi.advanceTimersByTimeAsync(500);
    expect(engine.syncs).toBe(1);
  });

  it('syncs once when a paused folder stays paused for another reason, to update it', async () => {
    vi.useFakeTimers();
    const drive = new MemoryDrive({ now: () => T0 }); // the root is there, the marker is not
    const engine = new CountingEngine();
    engine.status = { state: 'paused', reason: '/data/folder: missing-root' };
    stops.push(watchShare(engine, drive, OPTIONS));
    await vi.advanceTimersByTimeAsync(500);
    expect(engine.syncs).toBe(1);
    engine.status = { state: 'paused', reason: '/data/folder: missing-marker' };
    await vi.advanceTimersByTimeAsync(2_000);
    expect(engine.syncs).toBe(1); // the reason is current: nothing to do until it changes
  });

  it('reports a failing status check to onError and keeps running', async () => {
    vi.useFakeTimers();
    class BrokenStatus extends MemoryDrive {
      override status(): never {
        throw new Error('status failed');
      }
    }
    const engine = new CountingEngine();
    engine.status = { state: 'paused', reason: 'no-permission' };
    const errors: unknown[] = [];
    stops.push(
      watchShare(engine, new BrokenStatus(), { ...OPTIONS, onError: (e) => errors.push(e) }),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors.map((e) => (e as Error).message)).toEqual(['status failed', 'status failed']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(engine.syncs).toBe(1); // the rescan still runs
  });
});

describe('watchShare with a real engine', () => {
  it('follows local edits, pauses when the marker goes and resumes when it is back', async () => {
    const cap = createShare();
    const drive = new MemoryDrive({ now: () => T0 });
    await drive.createMarker();
    const store = new MemoryObjectStore();
    const engine = new ShareEngine({
      capability: cap,
      drive,
      store,
      state: new MemoryStateStore(),
      device: '00000000000000aa',
      now: () => T0,
    });
    await engine.start();
    stops.push(watchShare(engine, drive, { ...OPTIONS, debounceMs: 10, resumeCheckMs: 20 }));
    const indexed = async (): Promise<string[]> => {
      const paths: string[] = [];
      const ctx = { store, keys: treeKeys(cap.readKey) };
      for await (const e of iterate(ctx, engine.localRoot!)) if (!e.deleted) paths.push(e.path);
      return paths;
    };
    const eventually = async (want: string[]): Promise<void> => {
      const deadline = Date.now() + 20_000;
      while (JSON.stringify(await indexed()) !== JSON.stringify(want)) {
        if (Date.now() > deadline) throw new Error(`index is ${JSON.stringify(await indexed())}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    await put(drive, 'new.txt', utf8('hello'));
    await eventually(['new.txt']);
    expect(engine.replica.graph.all()).toHaveLength(1); // a Write peer published it

    drive.removeMarker();
    await until(() => engine.status.state === 'paused');
    await drive.createMarker();
    await put(drive, 'after.txt', utf8('back'));
    await until(() => engine.status.state === 'idle');
    await eventually(['after.txt', 'new.txt']);
    const marker = await drive.readMarker();
    expect(decodeMarker(marker!).share).toBe(shareId(cap));
    expect(fromUtf8(marker!)).not.toContain('pfwrite');
  });
});
