import { mkdirSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchLinuxTree, type StopWatching } from '../../src/storage/node-watch';

type Call = string | undefined;

/** Records onChange calls; `waitFor` resolves once `match` was seen `times` times after `from`. */
function recorder() {
  const calls: Call[] = [];
  const listeners = new Set<() => void>();
  const onChange = (path?: string): void => {
    calls.push(path);
    for (const l of listeners) l();
  };
  const waitFor = (match: Call, from = 0, times = 1, ms = 5000): Promise<void> =>
    new Promise((resolve, reject) => {
      const seen = (): number => calls.slice(from).filter((c) => c === match).length;
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`onChange(${match}) x${times} not seen; got ${JSON.stringify(calls)}`));
      }, ms);
      function check(): void {
        if (seen() < times) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      }
      listeners.add(check);
      check();
    });
  return { calls, onChange, waitFor };
}

describe.runIf(process.platform === 'linux')('watchLinuxTree', () => {
  let parent: string;
  let root: string;
  const stops: StopWatching[] = [];
  const start = async (): Promise<ReturnType<typeof recorder> & { stop: StopWatching }> => {
    const rec = recorder();
    const stop = watchLinuxTree(root, rec.onChange);
    stops.push(stop);
    await stop.ready;
    return { ...rec, stop };
  };
  const at = (...rel: string[]): string => join(root, ...rel);

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'peerfold-watch-'));
    root = join(parent, 'root');
    await mkdir(join(root, 'a', 'b'), { recursive: true });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await rm(parent, { recursive: true, force: true });
  });

  it('reports files created, modified and deleted, at the top and nested', async () => {
    const w = await start();
    for (const rel of ['top.txt', 'a/mid.txt', 'a/b/deep.txt']) {
      let from = w.calls.length;
      await writeFile(at(rel), 'one');
      await w.waitFor(rel, from);
      from = w.calls.length;
      await writeFile(at(rel), 'two');
      await w.waitFor(rel, from);
      from = w.calls.length;
      await unlink(at(rel));
      await w.waitFor(rel, from);
    }
  });

  it('watches directories created after the start', async () => {
    const w = await start();
    await mkdir(at('later'));
    await w.waitFor('later', 0, 2); // once for the event, once when its subtree is watched
    await mkdir(at('later', 'deep'));
    await w.waitFor('later/deep', 0, 2);
    await writeFile(at('later', 'deep', 'x.txt'), 'x');
    await w.waitFor('later/deep/x.txt');
  });

  it('reports a tree moved in from outside, then watches it', async () => {
    await mkdir(join(parent, 'incoming', 'sub'), { recursive: true });
    await writeFile(join(parent, 'incoming', 'sub', 'old.txt'), 'old');
    const w = await start();
    await rename(join(parent, 'incoming'), at('moved'));
    await w.waitFor('moved', 0, 2);
    await writeFile(at('moved', 'sub', 'new.txt'), 'new');
    await w.waitFor('moved/sub/new.txt');
    await writeFile(at('moved', 'sub', 'old.txt'), 'changed');
    await w.waitFor('moved/sub/old.txt');
  });

  it('drops a removed or moved-out directory without throwing, and rewatches a new one', async () => {
    const w = await start();
    await rm(at('a'), { recursive: true });
    await w.waitFor('a');
    const from = w.calls.length;
    await mkdir(at('a'));
    await w.waitFor('a', from, 2); // the new 'a' reported, then watched
    await mkdir(at('a', 'b'));
    await w.waitFor('a/b', from, 2);
    await writeFile(at('a', 'b', 'again.txt'), 'x');
    await w.waitFor('a/b/again.txt');

    // Moved out, inotify still follows the directory: its watch must go, so that writes there
    // stop being reported as if they were inside the root.
    await rename(at('a'), join(parent, 'out'));
    let stoppedReporting = false;
    for (let i = 0; i < 50 && !stoppedReporting; i++) {
      await writeFile(join(parent, 'out', 'b', `f${i}.txt`), 'x');
      await writeFile(at(`probe${i}.txt`), 'x'); // written after, so reported after
      await w.waitFor(`probe${i}.txt`);
      stoppedReporting = !w.calls.includes(`a/b/f${i}.txt`);
    }
    expect(stoppedReporting).toBe(true);
  });

  it('rewatches a directory removed and made again at once (ext4 reuses its inode number)', async () => {
    const w = await start();
    const from = w.calls.length;
    rmSync(at('a'), { recursive: true }); // sync: both happen before the watcher sees either
    mkdirSync(at('a'));
    await w.waitFor('a', from, 3); // the deletion, the creation, then watched
    await writeFile(at('a', 'x.txt'), 'x');
    await w.waitFor('a/x.txt');
  });

  it('ignores hidden names and reports marker dir changes without a path', async () => {
    await mkdir(at('.peerfold'));
    await mkdir(at('a', '.peerfold-tmp-dir'));
    const w = await start();
    await writeFile(at('.peerfold-tmp-1'), 'x');
    await writeFile(at('a', '.peerfold-tmp-2'), 'x');
    await writeFile(at('a', '.peerfold-tmp-dir', 'inside.txt'), 'x');
    await writeFile(at('visible.txt'), 'x'); // written last: once seen, the others were too
    await w.waitFor('visible.txt');
    expect(w.calls.every((c) => c === 'visible.txt')).toBe(true);

    await writeFile(at('.peerfold', 'share'), 'x');
    await w.waitFor(undefined);
    expect(w.calls.filter((c) => c?.includes('peerfold'))).toEqual([]);
  });

  it('reports nothing after stop, not even from a walk still in flight', async () => {
    const control = await start();
    const early = recorder();
    const stopEarly = watchLinuxTree(root, early.onChange);
    stopEarly(); // before its initial walk ran
    await stopEarly.ready;
    const late = await start();
    late.stop();
    await writeFile(at('a', 'b', 'after.txt'), 'x');
    await mkdir(at('newdir'));
    await control.waitFor('a/b/after.txt');
    await control.waitFor('newdir', 0, 2);
    expect(early.calls).toEqual([]);
    expect(late.calls).toEqual([]);
  });

  it('reports the root vanishing without a path', async () => {
    const w = await start();
    await rm(root, { recursive: true });
    await w.waitFor(undefined);
  });

  it('never throws when the root does not exist', async () => {
    root = join(parent, 'missing');
    const w = await start();
    expect(w.calls).toEqual([]);
    w.stop();
  });
});
