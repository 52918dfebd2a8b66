import { describe, expect, it } from 'vitest';
import { MemoryDrive } from '../../src/storage/memory-drive';
import { codeOf, driveContract, listAll, put, text } from './drive-contract';
import { stagingContract } from './drive-staging-contract';

async function memoryHarness(options: { caseInsensitive?: boolean } = {}) {
  const drive = new MemoryDrive(options);
  await drive.createMarker();
  return {
    drive,
    removeRoot: () => Promise.resolve(drive.removeRoot()),
    removeMarker: () => Promise.resolve(drive.removeMarker()),
    outside: () => Promise.resolve([]),
    cleanup: () => Promise.resolve(),
  };
}

driveContract('memory', () => memoryHarness());
stagingContract('memory', () => memoryHarness());
driveContract('memory, case-insensitive', () => memoryHarness({ caseInsensitive: true }));

describe('MemoryDrive', () => {
  it('folds case when asked to, keeping the stored name', async () => {
    const { drive: d } = await memoryHarness({ caseInsensitive: true });
    expect(d.caseInsensitive).toBe(true);
    await put(d, 'Dir/Readme.md', 'hi');
    expect(await text(d, 'dir/README.md')).toBe('hi');
    expect(
      await codeOf(d.write('DIR/readme.MD', [], { mtime: 1, executable: false, expect: 'absent' })),
    ).toBe('changed');
    expect(await codeOf(d.rename('Dir', 'other/dir'))).toBe('ok');
    await d.rename('other/dir/readme.md', 'other/dir/README.md');
    expect((await listAll(d)).map((e) => e.path)).toEqual([
      'other',
      'other/dir',
      'other/dir/README.md',
    ]);
  });

  it('pauses while permission is lost, and resumes', async () => {
    const { drive: d } = await memoryHarness();
    await put(d, 'a', 'a');
    d.setPermission(false);
    expect(await d.status()).toBe('no-permission');
    expect(await codeOf(d.list())).toBe('paused');
    expect(await codeOf(put(d, 'b', 'b'))).toBe('paused');
    d.setPermission(true);
    expect((await listAll(d)).map((e) => e.path)).toEqual(['a']);
  });

  it('moves a directory mtime when its contents change', async () => {
    let now = 1000;
    const d = new MemoryDrive({ now: () => now });
    await d.createMarker();
    await d.mkdir('d');
    now = 2000;
    await put(d, 'd/f', 'f');
    expect((await d.stat('d'))!.mtime).toBe(2000);
  });
});
