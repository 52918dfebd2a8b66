import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, type BValue } from '../../src/core/bencode';
import { fromUtf8, utf8 } from '../../src/core/bytes';
import { PeerfoldError } from '../../src/core/errors';
import { fuzzInputs } from '../helpers/fuzz';
import { outcome } from '../helpers/errors';

const text = (bytes: Uint8Array): string => fromUtf8(bytes);
const decodeText = (s: string): BValue => decode(utf8(s));
const nested = (depth: number): BValue => (depth === 0 ? [] : [nested(depth - 1)]);

describe('bencode encoding', () => {
  it('writes each kind of value canonically', () => {
    expect(text(encode(0))).toBe('i0e');
    expect(text(encode(-42))).toBe('i-42e');
    expect(text(encode(-0))).toBe('i0e');
    expect(text(encode(Number.MAX_SAFE_INTEGER))).toBe('i9007199254740991e');
    expect(text(encode(Number.MIN_SAFE_INTEGER))).toBe('i-9007199254740991e');
    expect(text(encode('spam'))).toBe('4:spam');
    expect(text(encode('é'))).toBe('2:é');
    expect(text(encode(''))).toBe('0:');
    expect(text(encode(Uint8Array.of(0x61, 0x62)))).toBe('2:ab');
    expect(text(encode([1, 'a', [], {}]))).toBe('li1e1:aledee');
  });

  it('leaves headroom free in front of the encoding, in the same buffer', () => {
    const value = { b: new Uint8Array([1, 2, 3]), a: 'x', n: 42 };
    const plain = encode(value);
    const roomy = encode(value, 6);
    expect(roomy.byteOffset).toBe(6);
    expect(roomy.buffer.byteLength).toBe(6 + plain.length);
    expect(Array.from(roomy)).toEqual(Array.from(plain));
  });

  it('sorts dictionary keys by their UTF-8 bytes and leaves out undefined values', () => {
    expect(text(encode({ b: 1, a: 2, ab: 3, B: 4 }))).toBe('d1:Bi4e1:ai2e2:abi3e1:bi1ee');
    // numeric-looking keys come first in JS property order, not in byte order
    expect(text(encode({ b: 1, '10': 2, '9': 3 }))).toBe('d2:10i2e1:9i3e1:bi1ee');
    // U+FFFF (ef bf bf) sorts before U+10000 (f0 90 80 80) in bytes, after it in UTF-16
    expect(text(encode({ '\u{10000}': 1, '\uffff': 2 }))).toBe('d3:\uffffi2e4:\u{10000}i1ee');
    expect(text(encode({ a: undefined, b: 1 }))).toBe('d1:bi1ee');
  });

  it('refuses numbers that are not safe integers', () => {
    for (const n of [1.5, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53)]) {
      expect(
        outcome(() => encode(n)),
        String(n),
      ).toBe('malformed');
    }
  });

  it('refuses strings with lone surrogates', () => {
    expect(outcome(() => encode('a\ud800'))).toBe('malformed');
    expect(outcome(() => encode({ '\udc00': 1 }))).toBe('malformed');
  });
});

describe('bencode decoding', () => {
  it('reads each kind of value', () => {
    expect(decodeText('i0e')).toBe(0);
    expect(decodeText('i-7e')).toBe(-7);
    expect(decodeText('i9007199254740991e')).toBe(Number.MAX_SAFE_INTEGER);
    expect(decodeText('i-9007199254740991e')).toBe(Number.MIN_SAFE_INTEGER);
    expect(decodeText('0:')).toEqual(new Uint8Array(0));
    expect(decodeText('3:a:b')).toEqual(utf8('a:b'));
    expect(decodeText('le')).toEqual([]);
    expect(decodeText('de')).toEqual({});
    expect(decodeText('d1:ali1ei2ee1:bd1:c0:ee')).toEqual({
      a: [1, 2],
      b: { c: new Uint8Array(0) },
    });
  });

  it('keeps a __proto__ key as data, with no prototype to pollute', () => {
    const value = decodeText('d9:__proto__d5:pwnedi1eee') as Record<string, BValue>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).pwned).toBeUndefined();
    expect(text(encode(value))).toBe('d9:__proto__d5:pwnedi1eee');
  });

  const refused: [string, string][] = [
    ['', 'empty input'],
    ['x', 'unknown type byte'],
    ['d1:bi1e1:ai2ee', 'unsorted keys'],
    ['d1:ai1e1:ai2ee', 'duplicate keys'],
    ['d2:abi1e1:ai2ee', 'a key before its prefix'],
    ['i01e', 'leading zero'],
    ['i00e', 'two zeros'],
    ['i-0e', 'negative zero'],
    ['i-01e', 'negative leading zero'],
    ['i-e', 'sign without digits'],
    ['ie', 'no digits'],
    ['i+1e', 'plus sign'],
    ['i1.5e', 'fraction'],
    ['i 1e', 'space'],
    ['i1', 'unterminated integer'],
    ['i9007199254740992e', 'just over the safe range'],
    ['i-9007199254740992e', 'just under the safe range'],
    ['i99999999999999999e', '17 digits'],
    ['01:a', 'string length with a leading zero'],
    ['-1:a', 'negative string length'],
    ['5:abc', 'string length past the end'],
    ['9007199254740991:a', 'huge string length'],
    ['3abc', 'string length without a colon'],
    ['i1ei2e', 'trailing value'],
    ['le ', 'trailing space'],
    ['l', 'unterminated list'],
    ['li1e', 'unterminated list after an item'],
    ['d', 'unterminated dictionary'],
    ['d1:a', 'key without value'],
    ['d1:ai1e', 'unterminated dictionary after a value'],
    ['di1ei1ee', 'integer key'],
    ['dlei1ee', 'list key'],
    ['e', 'lone end'],
  ];

  for (const [input, why] of refused) {
    it(`refuses ${why}: ${JSON.stringify(input)}`, () => {
      expect(outcome(() => decodeText(input))).toBe('malformed');
    });
  }

  it('refuses truncation of a valid value at every point', () => {
    const bytes = encode({ list: [1, -2, 'three', { x: Uint8Array.of(1, 2, 3) }], n: 12345 });
    expect(outcome(() => decode(bytes))).toBe('ok');
    for (let n = 0; n < bytes.length; n++) {
      expect(
        outcome(() => decode(bytes.subarray(0, n))),
        `first ${n} bytes`,
      ).toBe('malformed');
    }
  });

  it('refuses a dictionary key that is not UTF-8', () => {
    expect(
      outcome(() => decode(Uint8Array.of(0x64, 0x31, 0x3a, 0xff, 0x69, 0x31, 0x65, 0x65))),
    ).toBe('malformed');
  });

  it('limits nesting to 32 levels below the top, the same way both ways', () => {
    // 33 lists: the innermost is at depth 32, the deepest allowed
    expect(outcome(() => decodeText('l'.repeat(33) + 'e'.repeat(33)))).toBe('ok');
    expect(outcome(() => decodeText('l'.repeat(34) + 'e'.repeat(34)))).toBe('malformed');
    expect(outcome(() => decodeText('l'.repeat(32) + 'i1e' + 'e'.repeat(32)))).toBe('ok');
    expect(outcome(() => decodeText('l'.repeat(33) + 'i1e' + 'e'.repeat(33)))).toBe('malformed');
    expect(outcome(() => decodeText('d1:a'.repeat(33) + 'i1e' + 'e'.repeat(33)))).toBe('malformed');
    for (let depth = 28; depth <= 36; depth++) {
      const encoded = outcome(() => encode(nested(depth)));
      const decoded = outcome(() => decodeText('l'.repeat(depth + 1) + 'e'.repeat(depth + 1)));
      expect(encoded === 'ok', `depth ${depth}`).toBe(decoded === 'ok');
    }
    expect(outcome(() => encode(nested(40)))).not.toBe('ok');
  });

  it('refuses 100 000 nested lists quickly, without a stack overflow', () => {
    const start = performance.now();
    expect(outcome(() => decodeText('l'.repeat(100_000)))).toBe('malformed');
    expect(outcome(() => decodeText('l'.repeat(100_000) + 'e'.repeat(100_000)))).toBe('malformed');
    expect(performance.now() - start).toBeLessThan(100);
  });
});

const key = fc.string({ unit: 'binary', maxLength: 6 });
const { value: bvalue } = fc.letrec<{ value: BValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.maxSafeInteger(),
    fc.integer({ min: -1000, max: 1000 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));

describe('bencode properties', () => {
  it('decodes what it encodes, to an equal value', () => {
    fc.assert(
      fc.property(bvalue, (value) => {
        expect(decode(encode(value))).toEqual(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('has one encoding per value: whatever decodes re-encodes to the same bytes', () => {
    const samples = fc.sample(bvalue, { numRuns: 200, seed: 42 }).map((v) => encode(v));
    let accepted = 0;
    for (const input of fuzzInputs(samples, 20_000, 3)) {
      let value: BValue;
      try {
        value = decode(input);
      } catch (e) {
        expect(e).toBeInstanceOf(PeerfoldError);
        continue;
      }
      accepted++;
      expect(encode(value)).toEqual(input);
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
