import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes } from '../../src/core/bytes';
import { PeerfoldError } from '../../src/core/errors';
import {
  baseName,
  comparePaths,
  foldCase,
  isValidPath,
  MARKER_DIR,
  normalizePath,
  parentPath,
  pathKey,
  TEMP_PREFIX,
  utf8Length,
  validatePath,
} from '../../src/core/path';

function pathError(p: string): PeerfoldError {
  try {
    validatePath(p);
  } catch (e) {
    if (e instanceof PeerfoldError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(p)} to be rejected`);
}

const BAD: [string, string][] = [
  ['', 'empty'],
  ['/etc/passwd', 'absolute'],
  ['/', 'absolute'],
  ['\\\\server\\share', 'absolute'],
  ['C:\\Windows', 'absolute'],
  ['C:x', 'absolute'],
  ['c:/x', 'absolute'],
  ['..', "'..' segment"],
  ['../x', "'..' segment"],
  ['a/../../x', "'..' segment"],
  ['a/..', "'..' segment"],
  ['.', "'.' segment"],
  ['./a', "'.' segment"],
  ['a/./b', "'.' segment"],
  ['a//b', 'empty segment'],
  ['a/', "ends with '/'"],
  ['a\u0000b', 'control character U+0000'],
  ['a\nb', 'control character U+000a'],
  ['a\u001fb', 'control character U+001f'],
  ['a\u007fb', 'control character U+007f'],
  ['a\\b', 'backslash'],
  ['ab:c', "':' is not allowed"],
  ['a:b', 'absolute'],
  ['dir/file:stream', "':' is not allowed"],
  ['CON', 'reserved name on Windows'],
  ['con', 'reserved name on Windows'],
  ['a/Nul.txt', 'reserved name on Windows'],
  ['aux.tar.gz', 'reserved name on Windows'],
  ['prn .txt', 'reserved name on Windows'],
  ['COM1', 'reserved name on Windows'],
  ['lpt9.log', 'reserved name on Windows'],
  ['COM¹', 'reserved name on Windows'],
  ['conin$', 'reserved name on Windows'],
  ['a./b', "ends in '.'"],
  ['a/b.', "ends in '.'"],
  ['a /b', "ends in ' '"],
  ['a/b ', "ends in ' '"],
  ['.peerfold', 'folder marker'],
  ['x/.peerfold/state', 'folder marker'],
  ['.PeerFold', 'folder marker'],
  ['.peerfold-tmp-123', 'temporary prefix'],
  ['a/.peerfold-tmp-x.part', 'temporary prefix'],
  ['e\u0301', 'not in Unicode NFC'],
  ['a\ud800b', 'lone surrogate'],
  ['x'.repeat(256), 'a segment of 256 bytes'],
  ['é'.repeat(128), 'a segment of 256 bytes'],
  [('a'.repeat(200) + '/').repeat(21) + 'b', 'bytes, at most 4096'],
];

describe('validatePath', () => {
  it.each(BAD)('rejects %j (%s)', (p, message) => {
    const e = pathError(p);
    expect(e.code).toBe('bad-path');
    expect(e.message).toContain(message);
    expect(e.message).toContain(JSON.stringify(p).slice(0, 20));
    expect(isValidPath(p)).toBe(false);
  });

  it.each([
    'a',
    'a/b.txt',
    '.gitignore',
    'dir/.hidden/x',
    'über/naïve.md',
    'con2',
    'console.log',
    'com10',
    'nullable',
    'a b/c d',
    '.peerfold2',
    'x.peerfold',
    'peerfold-tmp-1',
    '日本語/ファイル',
    '😀',
    'x'.repeat(255),
    ('a'.repeat(200) + '/').repeat(20) + 'b'.repeat(76),
  ])('accepts %j', (p) => {
    expect(validatePath(p)).toBe(p);
    expect(isValidPath(p)).toBe(true);
  });

  it('exports the marker and temp prefix the rules use', () => {
    expect(MARKER_DIR).toBe('.peerfold');
    expect(TEMP_PREFIX).toBe('.peerfold-tmp-');
    expect(isValidPath(`a/${MARKER_DIR}`)).toBe(false);
    expect(isValidPath(`${TEMP_PREFIX}abc`)).toBe(false);
  });
});

describe('normalizePath', () => {
  it('composes to NFC and converts a Windows separator only when told', () => {
    expect(normalizePath('e\u0301')).toBe('\u00e9');
    expect(validatePath(normalizePath('cafe\u0301/x'))).toBe('caf\u00e9/x');
    expect(normalizePath('a\\b', '\\')).toBe('a/b');
    expect(normalizePath('a\\b')).toBe('a\\b');
  });
});

describe('path order', () => {
  it('sorts by segments: a directory and its contents stay together', () => {
    const paths = ['a.b', 'a-b', 'a/c', 'a', 'a/b', 'a/b/c', 'ab', 'a0'];
    expect([...paths].sort(comparePaths)).toEqual([
      'a',
      'a/b',
      'a/b/c',
      'a/c',
      'a-b',
      'a.b',
      'a0',
      'ab',
    ]);
  });

  it('orders by UTF-8 bytes, astral characters above the rest of the BMP', () => {
    expect(comparePaths('\uffff', '😀')).toBeLessThan(0);
    expect(comparePaths('\ue000', '😀')).toBeLessThan(0);
    expect(comparePaths('z', 'é')).toBeLessThan(0);
    expect(comparePaths('a', 'a')).toBe(0);
  });

  it('equals byte order of pathKey', () => {
    const char = fc.constantFrom('a', 'b', '/', '-', '.', '0', 'é', '\uffff', '\ue000', '😀', '𝄞');
    const path = fc.string({ unit: char, maxLength: 8 });
    fc.assert(
      fc.property(path, path, (a, b) => {
        expect(Math.sign(comparePaths(a, b))).toBe(Math.sign(compareBytes(pathKey(a), pathKey(b))));
        expect(Math.sign(comparePaths(a, b)) + Math.sign(comparePaths(b, a))).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('pathKey maps / to 0x00', () => {
    expect([...pathKey('a/b')]).toEqual([0x61, 0, 0x62]);
  });
});

describe('path helpers', () => {
  it('folds case for collision checks', () => {
    expect(foldCase('README.md')).toBe(foldCase('readme.MD'));
    expect(foldCase('Ünïcode')).toBe(foldCase('ünÏcode'));
    expect(foldCase('U\u0308')).toBe(foldCase('\u00fc'));
    expect(foldCase('a')).not.toBe(foldCase('b'));
  });

  it('splits parent and base name', () => {
    expect(parentPath('a/b/c')).toBe('a/b');
    expect(parentPath('a')).toBe('');
    expect(baseName('a/b/c')).toBe('c');
    expect(baseName('a')).toBe('a');
  });

  it('measures UTF-8 length without encoding', () => {
    for (const s of ['', 'abc', 'é', '日本', '😀x', 'a/ü/😀']) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }
  });
});
