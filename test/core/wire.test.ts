import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode, type BInput, type BInputDict } from '../../src/core/bencode';
import { bytesEqual, fromUtf8, utf8 } from '../../src/core/bytes';
import {
  EXTENSION_NAME,
  MAX_AGENT_BYTES,
  MAX_CREDIT,
  MAX_HEAD_BYTES,
  MAX_HEADS,
  MAX_MESSAGE_BYTES,
  MAX_OBJECT_BYTES,
  MAX_REASON_BYTES,
  MAX_WANT,
  MESSAGE_TYPES,
  clipText,
  decodeMessage,
  decodeOwnedMessage,
  encodeMessage,
  type WireMessage,
} from '../../src/core/wire';
import { outcome } from '../helpers/errors';

const filled = (length: number, value = 7): Uint8Array => new Uint8Array(length).fill(value);
const addr = (i: number): Uint8Array => filled(32, i & 0xff);
/** A message dictionary as raw bencode, v: 1 unless given. */
const raw = (fields: BInputDict): Uint8Array => encode({ v: 1, ...fields });
const decodeRaw = (fields: BInputDict): string => outcome(() => decodeMessage(raw(fields)));

/** One valid message of each type, with the wire dictionary it must encode to. */
const EXAMPLES: readonly [WireMessage, BInputDict][] = [
  [
    { type: 'hello', nonce: filled(32, 1), role: 'store', agent: 'peerfold/0.1.0' },
    { t: 'hello', n: filled(32, 1), r: 'store', ua: 'peerfold/0.1.0' },
  ],
  [
    { type: 'hello', nonce: filled(32, 2), role: 'write' },
    { t: 'hello', n: filled(32, 2), r: 'write' },
  ],
  [
    { type: 'proof', mac: filled(32, 3) },
    { t: 'proof', m: filled(32, 3) },
  ],
  [
    { type: 'heads', heads: [utf8('d4:headi1ee'), filled(100, 4)] },
    { t: 'heads', h: [utf8('d4:headi1ee'), filled(100, 4)] },
  ],
  [
    { type: 'heads', heads: [] },
    { t: 'heads', h: [] },
  ],
  [
    { type: 'want', addresses: [addr(1), addr(2)] },
    { t: 'want', a: [addr(1), addr(2)] },
  ],
  [
    { type: 'data', address: addr(9), bytes: filled(1000, 5) },
    { t: 'data', a: addr(9), b: filled(1000, 5) },
  ],
  [
    { type: 'dont-have', addresses: [addr(3)] },
    { t: 'dont-have', a: [addr(3)] },
  ],
  [
    { type: 'credit', bytes: 8 * 1024 * 1024 },
    { t: 'credit', b: 8 * 1024 * 1024 },
  ],
  [
    { type: 'bye', reason: 'closing: ça va' },
    { t: 'bye', r: 'closing: ça va' },
  ],
];

describe('wire messages: format', () => {
  it('names the extension and exports the limits', () => {
    expect(EXTENSION_NAME).toBe('peerfold');
    expect(MAX_OBJECT_BYTES).toBe(262144);
    expect(MAX_MESSAGE_BYTES).toBe(262144 + 1024);
    expect(MAX_WANT).toBe(1024);
    expect(MAX_HEADS).toBe(64);
    expect(MAX_CREDIT).toBe(67108864);
  });

  it('encodes every type to its documented dictionary and decodes it back', () => {
    const seen = new Set<string>();
    for (const [message, dict] of EXAMPLES) {
      const bytes = encodeMessage(message);
      expect(bytes).toEqual(raw(dict));
      expect(decodeMessage(bytes)).toEqual(message);
      seen.add(message.type);
    }
    expect([...seen].sort()).toEqual([...MESSAGE_TYPES].sort());
  });

  it('matches the example in the format comment byte for byte', () => {
    const bytes = encodeMessage({ type: 'credit', bytes: 8388608 });
    expect(fromUtf8(bytes)).toBe('d1:bi8388608e1:t6:credit1:vi1ee');
  });

  it('decodes owned bytes into views and other bytes into copies of their own', () => {
    const block = new Uint8Array(5000).map((_, i) => i & 0xff);
    const bytes = encodeMessage({
      type: 'data',
      address: new Uint8Array(32).fill(3),
      bytes: block,
    });
    const owned = decodeOwnedMessage(bytes);
    const copied = decodeMessage(bytes);
    if (owned.type !== 'data' || copied.type !== 'data') throw new Error('not data');
    expect(owned.bytes.buffer).toBe(bytes.buffer);
    expect(copied.bytes.buffer).not.toBe(bytes.buffer);
    expect(bytesEqual(owned.bytes, block) && bytesEqual(copied.bytes, block)).toBe(true);
  });

  it('round-trips random valid messages', () => {
    const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
    const text = (max: number) => fc.string({ unit: 'binary', maxLength: max });
    const addresses = fc.array(bytesOf(32), { minLength: 1, maxLength: 40 });
    const message: fc.Arbitrary<WireMessage> = fc.oneof(
      fc.record({
        type: fc.constant('hello' as const),
        nonce: bytesOf(32),
        role: fc.constantFrom('write' as const, 'read' as const, 'store' as const),
        agent: fc.option(text(16), { nil: undefined }),
      }),
      fc.record({ type: fc.constant('proof' as const), mac: bytesOf(32) }),
      fc.record({
        type: fc.constant('heads' as const),
        heads: fc.array(fc.uint8Array({ minLength: 1, maxLength: 100 }), { maxLength: 8 }),
      }),
      fc.record({ type: fc.constant('want' as const), addresses }),
      fc.record({
        type: fc.constant('data' as const),
        address: bytesOf(32),
        bytes: fc.uint8Array({ maxLength: 500 }),
      }),
      fc.record({ type: fc.constant('dont-have' as const), addresses }),
      fc.record({
        type: fc.constant('credit' as const),
        bytes: fc.integer({ min: 1, max: MAX_CREDIT }),
      }),
      fc.record({ type: fc.constant('bye' as const), reason: text(64) }),
    );
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encodeMessage(m);
        expect(decodeMessage(bytes)).toEqual(m);
        // canonical: the decoded message encodes to the same bytes
        expect(encodeMessage(decodeMessage(bytes))).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('returns byte strings that do not alias the input buffer', () => {
    const input = encodeMessage({ type: 'data', address: addr(1), bytes: filled(64, 1) });
    const message = decodeMessage(input);
    input.fill(0);
    expect(message).toEqual({ type: 'data', address: addr(1), bytes: filled(64, 1) });
  });

  it('ignores unknown keys, at the top level and for every type', () => {
    for (const [message, dict] of EXAMPLES) {
      const extended = raw({ ...dict, zz: [1, 'future'], aa: 5, x: { y: 1 } });
      expect(decodeMessage(extended)).toEqual(message);
    }
  });
});

describe('wire messages: versions and envelope', () => {
  it('refuses other versions as unsupported, before looking at the rest', () => {
    expect(decodeRaw({ v: 2, t: 'proof', m: filled(32) })).toBe('unsupported');
    expect(decodeRaw({ v: 0, t: 'proof', m: filled(32) })).toBe('unsupported');
    expect(decodeRaw({ v: -1, t: 'proof', m: filled(32) })).toBe('unsupported');
    expect(decodeRaw({ v: 2, t: 'hello2', whatever: [] })).toBe('unsupported');
  });

  it('needs an integer v and a string t', () => {
    expect(outcome(() => decodeMessage(encode({ t: 'proof', m: filled(32) })))).toBe('malformed');
    expect(decodeRaw({ v: '1', t: 'proof', m: filled(32) })).toBe('malformed');
    expect(decodeRaw({ v: [1], t: 'proof', m: filled(32) })).toBe('malformed');
    expect(decodeRaw({ m: filled(32) })).toBe('malformed');
    expect(decodeRaw({ t: 5, m: filled(32) })).toBe('malformed');
    expect(decodeRaw({ t: Uint8Array.of(0xff), m: filled(32) })).toBe('malformed');
  });

  it('refuses unknown message types as unsupported', () => {
    expect(decodeRaw({ t: 'gossip' })).toBe('unsupported');
    expect(decodeRaw({ t: '' })).toBe('unsupported');
    expect(decodeRaw({ t: 'constructor' })).toBe('unsupported');
    expect(decodeRaw({ t: '__proto__' })).toBe('unsupported');
    expect(decodeRaw({ t: 'Hello', n: filled(32), r: 'read' })).toBe('unsupported');
    expect(decodeRaw({ t: 'x'.repeat(5000) })).toBe('unsupported');
  });

  it('needs one canonical bencode dictionary', () => {
    const cases: BInput[] = [[], 1, 'proof', [{ v: 1, t: 'proof', m: filled(32) }]];
    for (const value of cases)
      expect(outcome(() => decodeMessage(encode(value)))).toBe('malformed');
    const good = encodeMessage({ type: 'proof', mac: filled(32) });
    const bad = [
      new Uint8Array(0),
      good.subarray(0, good.length - 1),
      Uint8Array.of(...good, 0x65),
      utf8('d1:vi1e1:t5:proof1:m32:' + 'a'.repeat(32) + 'e'), // keys out of order
      utf8('d1:mi1e1:mi2e1:t5:proof1:vi1ee'), // duplicate key
      utf8('d1:m32:' + 'a'.repeat(32) + '1:t5:proof1:vi01ee'), // leading zero
    ];
    for (const bytes of bad) expect(outcome(() => decodeMessage(bytes))).toBe('malformed');
  });
});

describe('wire messages: limits at the boundary', () => {
  it('takes a message of exactly MAX_MESSAGE_BYTES and refuses one byte more unparsed', () => {
    /** A valid data message of the largest object, padded with an unknown key to `length`. */
    const ofLength = (length: number): Uint8Array => {
      let pad = 0;
      let bytes = raw({ t: 'data', a: addr(1), b: filled(MAX_OBJECT_BYTES), z: '' });
      for (let i = 0; i < 5 && bytes.length !== length; i++) {
        pad += length - bytes.length;
        bytes = raw({ t: 'data', a: addr(1), b: filled(MAX_OBJECT_BYTES), z: 'p'.repeat(pad) });
      }
      return bytes;
    };
    const exact = ofLength(MAX_MESSAGE_BYTES);
    expect(exact.length).toBe(MAX_MESSAGE_BYTES);
    expect(outcome(() => decodeMessage(exact))).toBe('ok');
    const over = ofLength(MAX_MESSAGE_BYTES + 1);
    expect(over.length).toBe(MAX_MESSAGE_BYTES + 1);
    expect(outcome(() => decodeMessage(over))).toBe('too-large');
    // checked before parsing: garbage of that size is too large, not malformed
    expect(outcome(() => decodeMessage(filled(MAX_MESSAGE_BYTES + 1, 0xff)))).toBe('too-large');
    expect(outcome(() => decodeMessage(filled(MAX_MESSAGE_BYTES, 0xff)))).toBe('malformed');
  });

  it('limits data objects to MAX_OBJECT_BYTES', () => {
    const at = { type: 'data', address: addr(1), bytes: filled(MAX_OBJECT_BYTES) } as const;
    const decoded = decodeMessage(encodeMessage(at));
    // (bytesEqual: toEqual is slow on 256 KiB)
    expect(decoded.type === 'data' && bytesEqual(decoded.bytes, at.bytes)).toBe(true);
    expect(decodeRaw({ t: 'data', a: addr(1), b: new Uint8Array(0) })).toBe('ok');
    expect(decodeRaw({ t: 'data', a: addr(1), b: filled(MAX_OBJECT_BYTES + 1) })).toBe('too-large');
    expect(outcome(() => encodeMessage({ ...at, bytes: filled(MAX_OBJECT_BYTES + 1) }))).toBe(
      'too-large',
    );
  });

  it('limits want and dont-have to 1..MAX_WANT addresses', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => addr(i));
    for (const t of ['want', 'dont-have'] as const) {
      const at = decodeMessage(raw({ t, a: list(MAX_WANT) }));
      expect(at.type === t && at.addresses.length).toBe(MAX_WANT);
      expect(decodeRaw({ t, a: list(1) })).toBe('ok');
      expect(decodeRaw({ t, a: list(MAX_WANT + 1) })).toBe('too-large');
      expect(decodeRaw({ t, a: [] })).toBe('malformed');
      expect(outcome(() => encodeMessage({ type: t, addresses: list(MAX_WANT + 1) }))).toBe(
        'too-large',
      );
      expect(outcome(() => encodeMessage({ type: t, addresses: [] }))).toBe('malformed');
    }
  });

  it('limits heads to MAX_HEADS of 1..MAX_HEAD_BYTES bytes each', () => {
    const heads = (n: number, size: number) => Array.from({ length: n }, () => filled(size));
    const full = encodeMessage({ type: 'heads', heads: heads(MAX_HEADS, MAX_HEAD_BYTES) });
    const decoded = decodeMessage(full);
    expect(decoded.type === 'heads' && decoded.heads.length).toBe(MAX_HEADS);
    expect(bytesEqual(encodeMessage(decoded), full)).toBe(true);
    expect(decodeRaw({ t: 'heads', h: heads(MAX_HEADS + 1, 10) })).toBe('too-large');
    expect(decodeRaw({ t: 'heads', h: heads(1, MAX_HEAD_BYTES + 1) })).toBe('too-large');
    expect(decodeRaw({ t: 'heads', h: [filled(10), new Uint8Array(0)] })).toBe('malformed');
    expect(outcome(() => encodeMessage({ type: 'heads', heads: heads(MAX_HEADS + 1, 1) }))).toBe(
      'too-large',
    );
  });

  it('limits credit to 1..MAX_CREDIT', () => {
    expect(decodeMessage(raw({ t: 'credit', b: 1 }))).toEqual({ type: 'credit', bytes: 1 });
    expect(decodeMessage(raw({ t: 'credit', b: MAX_CREDIT }))).toEqual({
      type: 'credit',
      bytes: MAX_CREDIT,
    });
    expect(decodeRaw({ t: 'credit', b: MAX_CREDIT + 1 })).toBe('malformed');
    expect(decodeRaw({ t: 'credit', b: 0 })).toBe('malformed');
    expect(decodeRaw({ t: 'credit', b: -5 })).toBe('malformed');
    expect(outcome(() => encodeMessage({ type: 'credit', bytes: 0 }))).toBe('malformed');
    expect(outcome(() => encodeMessage({ type: 'credit', bytes: 1.5 }))).toBe('malformed');
  });

  it('limits the agent and the bye reason in UTF-8 bytes', () => {
    const agent = 'é'.repeat(MAX_AGENT_BYTES / 2); // 2 bytes each
    expect(decodeRaw({ t: 'hello', n: filled(32), r: 'read', ua: agent })).toBe('ok');
    expect(decodeRaw({ t: 'hello', n: filled(32), r: 'read', ua: agent + 'a' })).toBe('too-large');
    const reason = 'x'.repeat(MAX_REASON_BYTES);
    expect(decodeMessage(raw({ t: 'bye', r: reason }))).toEqual({ type: 'bye', reason });
    expect(decodeRaw({ t: 'bye', r: reason + 'x' })).toBe('too-large');
    expect(decodeRaw({ t: 'bye', r: Uint8Array.of(0x61, 0xc0, 0x80) })).toBe('malformed');
  });

  it('clips display strings when encoding, at a character boundary', () => {
    const long = 'a' + '€'.repeat(200); // 1 + 600 bytes
    const bye = decodeMessage(encodeMessage({ type: 'bye', reason: long }));
    expect(bye).toEqual({ type: 'bye', reason: 'a' + '€'.repeat(85) }); // 256 bytes
    const hello = decodeMessage(
      encodeMessage({ type: 'hello', nonce: filled(32), role: 'read', agent: '😀'.repeat(20) }),
    );
    expect(hello).toEqual({
      type: 'hello',
      nonce: filled(32),
      role: 'read',
      agent: '😀'.repeat(16),
    });
    expect(clipText('ab\ud800c', 10)).toBe('ab\ufffdc');
    expect(clipText('ab€', 4)).toBe('ab');
    expect(clipText('ab€', 5)).toBe('ab€');
    expect(clipText('', 0)).toBe('');
  });
});

describe('wire messages: fields', () => {
  /** Each valid dictionary, and per required key the bad values to try there. */
  const fieldCases: [BInputDict, Record<string, BInput[]>][] = [
    [
      { t: 'hello', n: filled(32), r: 'read', ua: 'x' },
      {
        n: [filled(31), filled(33), 5, [filled(32)], 'short'],
        r: ['owner', 'READ', '', 1, ['read']],
        ua: [1, [], { a: 1 }, Uint8Array.of(0xff)],
      },
    ],
    [{ t: 'proof', m: filled(32) }, { m: [filled(31), filled(33), 0, [], { m: 1 }] }],
    [{ t: 'heads', h: [filled(5)] }, { h: [filled(5), 1, { a: 1 }, [1], [[filled(5)]]] }],
    [{ t: 'want', a: [addr(1)] }, { a: [addr(1), 1, [addr(1), filled(31)], [filled(33)], [5]] }],
    [{ t: 'dont-have', a: [addr(1)] }, { a: [addr(1), 'abc', [addr(1), filled(31)], [[addr(1)]]] }],
    [
      { t: 'data', a: addr(1), b: filled(3) },
      { a: [filled(31), filled(33), [addr(1)], 1], b: [1, [filled(3)], { b: 1 }] },
    ],
    [{ t: 'credit', b: 100 }, { b: ['100', filled(4), [100], { b: 100 }] }],
    [{ t: 'bye', r: 'done' }, { r: [1, [], { r: 'x' }, Uint8Array.of(0xed, 0xa0, 0x80)] }],
  ];

  it('accepts each valid dictionary as is', () => {
    for (const [dict] of fieldCases) expect(decodeRaw(dict)).toBe('ok');
  });

  it('refuses a wrong type or length in every field as malformed', () => {
    for (const [dict, badValues] of fieldCases) {
      for (const [key, values] of Object.entries(badValues)) {
        for (const value of values) {
          const code = decodeRaw({ ...dict, [key]: value });
          expect(code, `${dict.t as string}.${key} = ${JSON.stringify(value)}`).toBe('malformed');
        }
      }
    }
  });

  it('refuses a missing required field as malformed', () => {
    for (const [dict] of fieldCases) {
      for (const key of Object.keys(dict)) {
        if (key === 't' || key === 'ua') continue;
        const code = decodeRaw({ ...dict, [key]: undefined });
        expect(code, `${dict.t as string} without ${key}`).toBe('malformed');
      }
    }
  });

  it('never sends what a peer would refuse', () => {
    const bad: WireMessage[] = [
      { type: 'hello', nonce: filled(31), role: 'read' },
      { type: 'hello', nonce: filled(32), role: 'admin' as 'read' },
      { type: 'proof', mac: filled(64) },
      { type: 'want', addresses: [filled(20)] },
      { type: 'data', address: filled(33), bytes: filled(1) },
      { type: 'credit', bytes: MAX_CREDIT + 1 },
      { type: 'gossip' } as unknown as WireMessage,
    ];
    for (const m of bad)
      expect(
        outcome(() => encodeMessage(m)),
        m.type,
      ).toBe('malformed');
  });
});
