/** scanFolder with `under`: one directory's changes, and nothing outside it touched. */
import { describe, expect, it } from 'vitest';
import { bytesFor } from '../helpers/data';
import { entries, folder, put, scanInto, share, T0 } from './fixture';

describe('scanFolder under a directory', () => {
  it('records edits, additions and deletions below it and leaves the rest of the index alone', async () => {
    const s = await share();
    const drive = await folder();
    await put(drive, 'a/1.txt', bytesFor('1', 10));
    await put(drive, 'a/2.txt', bytesFor('2', 10));
    await put(drive, 'a/sub/3.txt', bytesFor('3', 10));
    await put(drive, 'ab.txt', bytesFor('ab', 10));
    await put(drive, 'b/4.txt', bytesFor('4', 10));
    const scan = (root = s.empty, under?: string) =>
      scanInto(s, drive, { root, now: () => T0 + 9, under });
    const first = await scan();

    await put(drive, 'a/1.txt', bytesFor('1 edited', 12), T0 + 1);
    await drive.remove('a/sub/3.txt');
    await drive.remove('a/sub');
    await put(drive, 'a/new.txt', bytesFor('new', 10));
    await drive.remove('ab.txt'); // outside `a`: not seen by this scan
    await drive.remove('b/4.txt');
    const part = await scan(first.root, 'a');
    expect(part.changed).toEqual(['a/1.txt', 'a/new.txt', 'a/sub', 'a/sub/3.txt']);
    expect([...part.stamps.keys()].every((p) => p.startsWith('a/'))).toBe(true);
    const index = await entries(s, part.root);
    expect(index.get('a/sub/3.txt')?.deleted).toBe(true);
    expect(index.get('ab.txt')?.deleted).toBe(false);
    expect(index.get('b/4.txt')?.deleted).toBe(false);

    const whole = await scan(part.root);
    expect(whole.changed).toEqual(['ab.txt', 'b/4.txt']);
  });
});
