import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytesEqual,
  compareBytes,
  concatBytes,
  fromHex,
  fromUtf8,
  toHex,
  utf8,
} from '../../src/core/bytes';
import { outcome } from '../helpers/errors';

/** The platform's strict decoder, as an oracle (a BOM is kept as a character, as ours does). */
const oracle = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const oracleDecode = (bytes: Uint8Array): string | undefined => {
  try {
    return oracle.decode(bytes);
  } catch {
    return undefined;
  }
};

describe('UTF-8', () => {
  it('encodes like the platform and decodes back, for any string of valid code points', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
        const bytes = utf8(s);
        expect(bytes).toEqual(new TextEncoder().encode(s));
        expect(fromUtf8(bytes)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes exactly what a strict decoder accepts, on random and mutated bytes', () => {
    const check = (bytes: Uint8Array): void => {
      const expected = oracleDecode(bytes);
      if (expected === undefined) expect(outcome(() => fromUtf8(bytes))).toBe('malformed');
      else expect(fromUtf8(bytes)).toBe(expected);
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 16 }), check), { numRuns: 3000 });
    // valid text with one byte changed reaches the edge cases more often than noise does
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (s, at, byte) => {
          const bytes = utf8(s);
          bytes[at % bytes.length] = byte;
          check(bytes);
        },
      ),
      { numRuns: 3000 },
    );
  });

  const invalid: [number[], string][] = [
    [[0xc0, 0x80], 'overlong NUL'],
    [[0xc1, 0xbf], 'overlong 2-byte'],
    [[0xe0, 0x80, 0x80], 'overlong 3-byte'],
    [[0xe0, 0x9f, 0xbf], 'overlong U+07FF'],
    [[0xf0, 0x80, 0x80, 0x80], 'overlong 4-byte'],
    [[0xf0, 0x8f, 0xbf, 0xbf], 'overlong U+FFFF'],
    [[0xed, 0xa0, 0x80], 'high surrogate U+D800'],
    [[0xed, 0xbf, 0xbf], 'low surrogate U+DFFF'],
    [[0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], 'surrogate pair in CESU-8'],
    [[0xf4, 0x90, 0x80, 0x80], 'past U+10FFFF'],
    [[0xf5, 0x80, 0x80, 0x80], 'lead byte 0xf5'],
    [[0xff], '0xff'],
    [[0xfe], '0xfe'],
    [[0x80], 'lone continuation byte'],
    [[0x61, 0xbf], 'continuation byte after ASCII'],
    [[0xc3], 'truncated 2-byte'],
    [[0xe2, 0x82], 'truncated 3-byte'],
    [[0xf0, 0x9f, 0x98], 'truncated 4-byte'],
    [[0xe2, 0x28, 0xa1], 'bad continuation byte'],
    [[0xc3, 0xa9, 0xc3], 'truncated after a valid character'],
  ];
  for (const [bytes, why] of invalid) {
    it(`refuses ${why}`, () => {
      expect(outcome(() => fromUtf8(Uint8Array.from(bytes)))).toBe('malformed');
    });
  }

  it('accepts the edges of each range', () => {
    const cases: [number[], string][] = [
      [[], ''],
      [[0x00], '\u0000'],
      [[0x7f], '\u007f'],
      [[0xc2, 0x80], '\u0080'],
      [[0xdf, 0xbf], '\u07ff'],
      [[0xe0, 0xa0, 0x80], '\u0800'],
      [[0xed, 0x9f, 0xbf], '\ud7ff'],
      [[0xee, 0x80, 0x80], '\ue000'],
      [[0xef, 0xbb, 0xbf], '\ufeff'],
      [[0xef, 0xbf, 0xbf], '\uffff'],
      [[0xf0, 0x90, 0x80, 0x80], '\u{10000}'],
      [[0xf4, 0x8f, 0xbf, 0xbf], '\u{10ffff}'],
    ];
    for (const [bytes, s] of cases) {
      expect(fromUtf8(Uint8Array.from(bytes))).toBe(s);
      expect(utf8(s)).toEqual(Uint8Array.from(bytes));
    }
  });

  it('refuses to encode lone surrogates', () => {
    for (const s of ['\ud800', '\udfff', 'a\udc00b', '\ud800x', 'x\ud83d', '\ude00\ud83d']) {
      expect(
        outcome(() => utf8(s)),
        JSON.stringify(s),
      ).toBe('malformed');
    }
    expect(utf8('\ud83d\ude00')).toEqual(Uint8Array.of(0xf0, 0x9f, 0x98, 0x80));
  });
});

describe('hex', () => {
  it('round-trips any bytes through lowercase hex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const hex = toHex(bytes);
        expect(hex).toMatch(/^[0-9a-f]*$/);
        expect(hex).toBe(Buffer.from(bytes).toString('hex'));
        expect(fromHex(hex)).toEqual(bytes);
      }),
    );
    expect(toHex(Uint8Array.of(0, 1, 0xab, 0xff))).toBe('0001abff');
  });

  it('refuses anything but even-length lowercase hex', () => {
    for (const s of ['0', 'abc', 'AB', '0X', 'zz', ' 00', '00 ', '0x00', '+1', '-1', 'g0']) {
      expect(
        outcome(() => fromHex(s)),
        s,
      ).toBe('malformed');
    }
    expect(fromHex('')).toEqual(new Uint8Array(0));
  });
});

describe('byte helpers', () => {
  it('concatenates', () => {
    expect(concatBytes()).toEqual(new Uint8Array(0));
    expect(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).toEqual(
      Uint8Array.of(1, 2, 3),
    );
  });

  it('compares like Buffer.compare and equals like it', () => {
    const small = fc.uint8Array({ maxLength: 4 }).map((b) => b.map((x) => x % 3));
    fc.assert(
      fc.property(small, small, (a, b) => {
        const expected = Buffer.compare(a, b);
        expect(Math.sign(compareBytes(a, b))).toBe(expected);
        expect(bytesEqual(a, b)).toBe(expected === 0);
      }),
      { numRuns: 2000 },
    );
  });
});
