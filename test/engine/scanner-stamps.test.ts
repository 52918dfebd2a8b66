/**
 * The scanner's change tokens on a real folder: files that keep their size and mtime but are
 * swapped by renames, or rewritten within one mtime tick, are still seen as changed; reading a
 * file again whose content did not change gives it no new version.
 */
import { mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromUtf8, bytesEqual, concatBytes } from '../../src/core/bytes';
import { decryptBlock } from '../../src/core/blocks';
import { applyTree } from '../../src/engine/apply';
import { scanFolder, type ScanResult } from '../../src/engine/scanner';
import { NodeDrive } from '../../src/storage/node-drive';
import { DEVICE, entries, share, T0, type Share } from './fixture';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function realFolder(): Promise<{ root: string; drive: NodeDrive }> {
  const root = await mkdtemp(join(tmpdir(), 'peerfold-stamps-'));
  dirs.push(root);
  const drive = await NodeDrive.open(root);
  await drive.createMarker();
  return { root, drive };
}

/** Writes `text` with the fixed mtime T0, so only the change token can tell versions apart. */
async function writeAt(root: string, name: string, text: string): Promise<void> {
  await writeFile(join(root, name), text);
  await utimes(join(root, name), T0 / 1000, T0 / 1000);
}

const scan = (s: Share, drive: NodeDrive, prev?: ScanResult) =>
  scanFolder({
    drive,
    ctx: s.ctx,
    blocks: s.blocks,
    store: s.store,
    root: prev?.root ?? s.empty,
    device: DEVICE,
    floor: prev?.floor ?? 0,
    stamps: prev?.stamps,
  });

async function contentOf(s: Share, r: ScanResult, path: string): Promise<string> {
  const e = (await entries(s, r.root)).get(path)!;
  const parts = [];
  for (const b of e.blocks) {
    parts.push(decryptBlock(s.blocks, b.address, (await s.store.get(b.address))!));
  }
  return fromUtf8(concatBytes(...parts));
}

describe('scanFolder with change tokens', () => {
  it('sees two same-size files swapped by renames, though size and mtime stay', async () => {
    const s = await share();
    const { root, drive } = await realFolder();
    await writeAt(root, 's1', 'one');
    await writeAt(root, 's2', 'two');
    const first = await scan(s, drive);
    expect(first.changed).toEqual(['s1', 's2']);
    await rename(join(root, 's1'), join(root, 't'));
    await rename(join(root, 's2'), join(root, 's1'));
    await rename(join(root, 't'), join(root, 's2'));
    const second = await scan(s, drive, first);
    expect(second.changed).toEqual(['s1', 's2']);
    expect(await contentOf(s, second, 's1')).toBe('two');
    expect(await contentOf(s, second, 's2')).toBe('one');
  });

  it('sees a same-size rewrite that kept the mtime', async () => {
    const s = await share();
    const { root, drive } = await realFolder();
    await writeAt(root, 'f', 'old');
    const first = await scan(s, drive);
    await writeAt(root, 'f', 'new');
    const second = await scan(s, drive, first);
    expect(second.changed).toEqual(['f']);
    expect(await contentOf(s, second, 'f')).toBe('new');
  });

  it('reads a file with an unknown token again, and gives it no new version if equal', async () => {
    const s = await share();
    const { root, drive } = await realFolder();
    await writeAt(root, 'f', 'same');
    const first = await scan(s, drive);
    const fresh = await scan(s, drive, { ...first, stamps: new Map() }); // e.g. after apply
    expect(fresh.changed).toEqual([]);
    expect(bytesEqual(fresh.root, first.root)).toBe(true);
    expect(fresh.stamps.get('f')).toBe(first.stamps.get('f'));
    const steady = await scan(s, drive, fresh);
    expect(steady.changed).toEqual([]);
    expect(bytesEqual(steady.root, first.root)).toBe(true);
  });

  it('knows the files apply wrote by their tokens, so the next scan reads none of them', async () => {
    const s = await share();
    const a = await realFolder();
    await writeAt(a.root, 'f', 'from a');
    await writeAt(a.root, 'g', 'also from a');
    const source = await scan(s, a.drive);
    const b = await realFolder();
    const applied = await applyTree({
      drive: b.drive,
      ctx: s.ctx,
      blocks: s.blocks,
      store: s.store,
      from: s.empty,
      to: source.root,
    });
    expect(applied.conflicts).toEqual([]);
    for (const path of ['f', 'g']) {
      expect(applied.stamps.get(path)).toBe((await b.drive.stat(path))?.change);
    }
    const reads: string[] = [];
    const watched = new Proxy(b.drive, {
      get(target, key) {
        if (key === 'readStream') {
          return (path: string, chunk?: number) => {
            reads.push(path);
            return target.readStream(path, chunk);
          };
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const scanB = (stamps: ReadonlyMap<string, string>) =>
      scanFolder({
        drive: watched,
        ctx: s.ctx,
        blocks: s.blocks,
        store: s.store,
        root: applied.root,
        device: DEVICE,
        floor: 0,
        stamps,
      });
    const again = await scanB(applied.stamps);
    expect(reads).toEqual([]); // known by their tokens: not read
    expect(again.changed).toEqual([]);
    expect(again.skipped).toEqual([]);
    expect(bytesEqual(again.root, applied.root)).toBe(true);
    await scanB(new Map()); // without the tokens, both are read once more
    expect(reads).toEqual(['f', 'g']);
  });
});
