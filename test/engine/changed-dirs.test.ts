/** Which directories a pass scans after watcher events (engine/changed-dirs.ts). */
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/bytes';
import { ChangedDirs, existingDir, outermost } from '../../src/engine/changed-dirs';
import { folder, put } from './fixture';

describe('ChangedDirs', () => {
  it('starts with everything, then keeps the parents of reported paths, outermost only', () => {
    const dirs = new ChangedDirs();
    expect(dirs.take()).toBe('all');
    expect(dirs.take()).toEqual([]);
    dirs.add(['a/b/c.txt', 'a/x.txt', 'd/e/f', 'd/e/g']);
    expect(dirs.take()).toEqual(['a', 'd/e']);
    dirs.add(['top.txt']);
    expect(dirs.take()).toBe('all');
    dirs.add(Array.from({ length: 65 }, (_, i) => `dir${i}/f`));
    expect(dirs.take()).toBe('all');
    expect(outermost(['a/b', 'a', 'ab', 'a-b/c'])).toEqual(['a', 'a-b/c', 'ab']);
  });

  it('scans a deleted or unlisted directory from the nearest valid one that exists', async () => {
    const drive = await folder();
    await put(drive, 'proj/src/x.c', utf8('x'));
    expect(await existingDir(drive, 'proj/src')).toBe('proj/src');
    expect(await existingDir(drive, 'proj/gone/deeper')).toBe('proj');
    expect(await existingDir(drive, 'proj/aux')).toBe('proj'); // a reserved name: never listed
    expect(await existingDir(drive, 'gone')).toBe('');
  });
});
