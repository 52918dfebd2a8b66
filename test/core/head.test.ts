import { beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, type BInputDict } from '../../src/core/bencode';
import { bytesEqual, fromUtf8 } from '../../src/core/bytes';
import {
  createShare,
  toStore,
  type StoreCapability,
  type WriteCapability,
} from '../../src/core/capability';
import { hash, sign, verify } from '../../src/core/crypto';
import { PeerfoldError, type ErrorCode } from '../../src/core/errors';
import {
  decodeSignedHead,
  encodeHead,
  encodeSignedHead,
  MAX_HEAD_BYTES,
  signHead,
  type Head,
} from '../../src/core/head';
import { fuzzInputs, parsesOrTypedError } from '../helpers/fuzz';

const DEVICE = '0123456789abcdef';
const id = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const head = (over: Partial<Head> = {}): Head => ({
  seq: 3,
  parents: [id(1), id(2)],
  root: id(9),
  time: 1_700_000_000_000,
  device: DEVICE,
  ...over,
});

function codeOf(f: () => unknown): ErrorCode | 'ok' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof PeerfoldError) return e.code;
    throw e;
  }
}

/** A validly signed wire head around arbitrary head bytes. */
const wrap = (cap: WriteCapability, h: Uint8Array, extra: BInputDict = {}): Uint8Array =>
  encode({ ...extra, h, s: sign('peerfold/v1/head', cap.signingKey, h) });

describe('signed heads', () => {
  let cap: WriteCapability;
  let store: StoreCapability;
  beforeAll(() => {
    cap = createShare();
    store = toStore(cap);
  });

  it('round-trips with only the Store public key, in the documented format', () => {
    const signed = signHead(cap, head());
    const back = decodeSignedHead(store.publicKey, encodeSignedHead(signed));
    expect(back.head).toEqual(signed.head);
    expect(bytesEqual(back.id, signed.id)).toBe(true);
    expect(bytesEqual(back.bytes, signed.bytes)).toBe(true);
    expect(fromUtf8(signed.bytes.subarray(0, 27))).toBe(`d1:d16:${DEVICE}1:pl`);
    expect(decode(signed.bytes)).toEqual({
      d: new TextEncoder().encode(DEVICE),
      p: [id(1), id(2)],
      r: id(9),
      s: 3,
      t: 1_700_000_000_000,
      v: 1,
    });
    expect(bytesEqual(signed.id, hash('peerfold/v1/head-id', 32, [signed.bytes]))).toBe(true);
    expect(verify('peerfold/v1/head', store.publicKey, signed.bytes, signed.signature)).toBe(true);
    expect(decode(encodeSignedHead(signed))).toEqual({ h: signed.bytes, s: signed.signature });
  });

  it('sorts and deduplicates parents when signing', () => {
    const signed = signHead(cap, head({ parents: [id(5), id(1), id(5)] }));
    expect(signed.head.parents).toEqual([id(1), id(5)]);
  });

  it('rejects a head signed by another share', () => {
    const wire = encodeSignedHead(signHead(createShare(), head()));
    expect(codeOf(() => decodeSignedHead(store.publicKey, wire))).toBe('bad-signature');
    expect(codeOf(() => decodeSignedHead(new Uint8Array(5), wire))).toBe('bad-signature');
  });

  it('turns every single bit flip into a typed error', () => {
    const wire = encodeSignedHead(signHead(cap, head()));
    for (let bit = 0; bit < wire.length * 8; bit++) {
      const bad = wire.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(
        parsesOrTypedError(() => decodeSignedHead(store.publicKey, bad)),
        `bit ${bit}`,
      ).toBe('error');
    }
  });

  const raw = (over: BInputDict): Uint8Array =>
    encode({ d: DEVICE, p: [id(1)], r: id(9), s: 2, t: 5, v: 1, ...over });
  it.each<[string, Uint8Array, ErrorCode | 'ok']>([
    ['an unknown key (covered by the signature)', raw({ x: 'future' }), 'ok'],
    ['the first head', raw({ p: [], s: 1 }), 'ok'],
    ['seq 0', raw({ p: [], s: 0 }), 'malformed'],
    ['seq 2 without parents', raw({ p: [], s: 2 }), 'malformed'],
    ['seq 1 with a parent', raw({ s: 1 }), 'malformed'],
    ['unsorted parents', raw({ p: [id(2), id(1)] }), 'malformed'],
    ['duplicate parents', raw({ p: [id(1), id(1)] }), 'malformed'],
    ['a short parent id', raw({ p: [new Uint8Array(31)] }), 'malformed'],
    ['65 parents', raw({ p: Array.from({ length: 65 }, (_, i) => id(i)) }), 'too-large'],
    ['a short root', raw({ r: new Uint8Array(31) }), 'malformed'],
    ['a negative time', raw({ t: -1 }), 'malformed'],
    ['an upper-case device', raw({ d: DEVICE.toUpperCase() }), 'malformed'],
    ['a long device', raw({ d: DEVICE + '0' }), 'too-large'],
    ['a missing root', raw({ r: undefined }), 'malformed'],
    ['a list for a head', encode([1]), 'malformed'],
    ['version 2', raw({ v: 2 }), 'unsupported'],
  ])('a signed head with %s', (_, bytes, code) => {
    expect(codeOf(() => decodeSignedHead(store.publicKey, wrap(cap, bytes)))).toBe(code);
  });

  it('checks the wire envelope', () => {
    const h = encodeHead(head());
    const s = sign('peerfold/v1/head', cap.signingKey, h);
    const dec = (b: Uint8Array) => codeOf(() => decodeSignedHead(store.publicKey, b));
    expect(dec(encode({ h, s }))).toBe('ok');
    expect(dec(encode({ h, s, x: 1 }))).toBe('malformed');
    expect(dec(encode({ h, s: s.subarray(0, 63) }))).toBe('malformed');
    expect(dec(encode({ h }))).toBe('malformed');
    expect(dec(encode({ h: 1, s }))).toBe('malformed');
    expect(dec(new Uint8Array(0))).toBe('malformed');
    const big = encode({ h: raw({ pad: new Uint8Array(MAX_HEAD_BYTES) }), s });
    expect(dec(big)).toBe('too-large');
  });

  it('refuses to sign a head that breaks the rules', () => {
    expect(codeOf(() => signHead(cap, head({ seq: 1 })))).toBe('malformed');
    expect(codeOf(() => signHead(cap, head({ time: 1.5 })))).toBe('malformed');
    expect(codeOf(() => signHead(cap, head({ device: 'me' })))).toBe('malformed');
    expect(codeOf(() => signHead(cap, head({ root: new Uint8Array(3) })))).toBe('malformed');
    expect(codeOf(() => encodeHead(head({ parents: [id(2), id(1)] })))).toBe('malformed');
  });

  it('survives fuzzed wire heads and fuzzed signed head bodies', () => {
    const samples = [
      encodeSignedHead(signHead(cap, head())),
      encodeSignedHead(signHead(cap, head({ seq: 1, parents: [] }))),
      encodeSignedHead(signHead(cap, head({ seq: 90, parents: [id(3), id(4), id(7)] }))),
    ];
    const outcomes = { ok: 0, error: 0 };
    for (const input of fuzzInputs(samples, 3000, 7)) {
      outcomes[parsesOrTypedError(() => decodeSignedHead(store.publicKey, input))]++;
    }
    expect(outcomes.error).toBeGreaterThan(2900);
    const bodies = samples.map((s) => (decode(s) as { h: Uint8Array }).h);
    const signed = { ok: 0, error: 0 };
    for (const input of fuzzInputs(bodies, 3000, 8)) {
      signed[parsesOrTypedError(() => decodeSignedHead(store.publicKey, wrap(cap, input)))]++;
    }
    expect(signed.ok).toBeGreaterThan(0);
    expect(signed.error).toBeGreaterThan(2000);
  });
});
