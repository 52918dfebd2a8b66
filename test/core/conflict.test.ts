import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conflictOrigin,
  conflictPath,
  conflictStamp,
  isConflictPath,
} from '../../src/core/conflict';

const DEVICE = 'abcdef0123456789';
const T = Date.UTC(2024, 0, 2, 3, 4, 5, 678); // 2024-01-02 03:04:05.678 UTC
const S = '20240102-030405';

describe('conflictPath', () => {
  it.each([
    ['report.txt', `report.sync-conflict-${S}-abcdef0.txt`],
    ['Makefile', `Makefile.sync-conflict-${S}-abcdef0`],
    ['.bashrc', `.bashrc.sync-conflict-${S}-abcdef0`],
    ['.config.json', `.config.sync-conflict-${S}-abcdef0.json`],
    ['a/b/report.tar.gz', `a/b/report.tar.sync-conflict-${S}-abcdef0.gz`],
    ['dir.d/file', `dir.d/file.sync-conflict-${S}-abcdef0`],
    ['name.', `name..sync-conflict-${S}-abcdef0`],
    ['x/.hidden/.env', `x/.hidden/.env.sync-conflict-${S}-abcdef0`],
    ['ünïcødé.mp3', `ünïcødé.sync-conflict-${S}-abcdef0.mp3`],
  ])('%s -> %s', (path, expected) => {
    expect(conflictPath(path, T, DEVICE)).toBe(expected);
    expect(isConflictPath(expected)).toBe(true);
    expect(conflictOrigin(expected)).toBe(path);
    expect(isConflictPath(path)).toBe(false);
  });

  it('stamps in UTC to the second and clamps impossible times', () => {
    expect(conflictStamp(0)).toBe('19700101-000000');
    expect(conflictStamp(999)).toBe('19700101-000000');
    expect(conflictStamp(Date.UTC(1999, 11, 31, 23, 59, 59))).toBe('19991231-235959');
    expect(conflictStamp(-1)).toBe('19691231-235959');
    expect(conflictStamp(Number.MAX_SAFE_INTEGER)).toBe('99991231-235959');
    expect(conflictStamp(-Number.MAX_SAFE_INTEGER)).toBe('00000101-000000');
    expect(conflictStamp(Number.NaN)).toBe('19700101-000000');
  });

  it('names a copy of a copy after the last marker', () => {
    const once = conflictPath('r.txt', T, DEVICE);
    const twice = conflictPath(once, 0, '1111111111111111');
    expect(twice).toBe(`r.sync-conflict-${S}-abcdef0.sync-conflict-19700101-000000-1111111.txt`);
    expect(conflictOrigin(twice)).toBe(once);
    const bare = conflictPath('r', T, DEVICE);
    const bareTwice = conflictPath(bare, 0, '1111111111111111');
    expect(bareTwice).toBe(`r.sync-conflict-19700101-000000-1111111.sync-conflict-${S}-abcdef0`);
    expect(conflictOrigin(bareTwice)).toBe(bare);
  });

  it.each([
    'report.txt',
    'report.sync-conflict-2024-01-02-abcdef0.txt',
    'report.sync-conflict-20240102-030405-ABCDEF0.txt',
    'report.sync-conflict-20240102-030405-abcdef.txt',
    '.sync-conflict-20240102-030405-abcdef0',
    'a.sync-conflict-20240102-030405-abcdef0.tar.gz',
    'a.sync-conflict-20240102-030405-abcdef0/inside.txt',
  ])('%s is not a conflict copy name', (path) => {
    expect(isConflictPath(path)).toBe(false);
    expect(conflictOrigin(path)).toBeUndefined();
  });

  it('always round-trips through conflictOrigin', () => {
    const segment = fc.stringMatching(/^[a-z.]{1,6}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: -1e13, max: 1e14 }),
        fc.stringMatching(/^[0-9a-f]{16}$/),
        (segments, time, device) => {
          const path = segments.join('/');
          const copy = conflictPath(path, time, device);
          expect(copy.split('/').slice(0, -1)).toEqual(segments.slice(0, -1));
          expect(conflictOrigin(copy)).toBe(path);
        },
      ),
    );
  });
});
