import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VersionVector } from '../../src/core/entry';
import { isPeerfoldError } from '../../src/core/errors';
import {
  bumpVersion,
  compareVersions,
  counterOf,
  joinVersions,
  validateVersion,
  type VersionOrder,
} from '../../src/core/version';

const A = 'aaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbb';
const C = 'cccccccccccccccc';

const devices = fc.constantFrom(A, B, C, '0123456789abcdef');
const vector: fc.Arbitrary<VersionVector> = fc.dictionary(devices, fc.integer({ min: 0, max: 4 }));

const inverse: Record<VersionOrder, VersionOrder> = {
  equal: 'equal',
  before: 'after',
  after: 'before',
  concurrent: 'concurrent',
};

describe('compareVersions', () => {
  const table: [VersionVector, VersionVector, VersionOrder][] = [
    [{}, {}, 'equal'],
    [{ [A]: 1 }, { [A]: 1 }, 'equal'],
    [{ [A]: 1, [B]: 0 }, { [A]: 1 }, 'equal'],
    [{}, { [A]: 1 }, 'before'],
    [{ [A]: 1 }, { [A]: 2 }, 'before'],
    [{ [A]: 1 }, { [A]: 1, [B]: 1 }, 'before'],
    [{ [A]: 2, [B]: 1 }, { [A]: 1, [B]: 1 }, 'after'],
    [{ [A]: 1 }, {}, 'after'],
    [{ [A]: 1 }, { [B]: 1 }, 'concurrent'],
    [{ [A]: 2, [B]: 1 }, { [A]: 1, [B]: 2 }, 'concurrent'],
    [{ [A]: 1, [C]: 3 }, { [A]: 1, [B]: 1, [C]: 2 }, 'concurrent'],
  ];
  it.each(table)('%j vs %j is %s', (a, b, order) => {
    expect(compareVersions(a, b)).toBe(order);
    expect(compareVersions(b, a)).toBe(inverse[order]);
  });

  it('is antisymmetric and reflexive', () => {
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        expect(compareVersions(a, a)).toBe('equal');
        expect(compareVersions(b, a)).toBe(inverse[compareVersions(a, b)]);
      }),
    );
  });

  it('ignores inherited properties', () => {
    const inherited: VersionVector = Object.create({ [A]: 5 }) as VersionVector;
    expect(compareVersions(inherited, {})).toBe('equal');
    expect(counterOf(inherited, A)).toBe(0);
    expect(counterOf({}, 'constructor')).toBe(0);
    expect(joinVersions(inherited, { [B]: 1 })).toEqual({ [B]: 1 });
  });
});

describe('joinVersions', () => {
  it('takes the element-wise maximum in canonical form', () => {
    const j = joinVersions({ [B]: 2, [A]: 0 }, { [C]: 1, [B]: 1 }, {});
    expect(j).toEqual({ [B]: 2, [C]: 1 });
    expect(Object.keys(j)).toEqual([B, C]);
    expect(joinVersions()).toEqual({});
  });

  it('is commutative, associative, idempotent and dominates its inputs', () => {
    fc.assert(
      fc.property(vector, vector, vector, (a, b, c) => {
        const ab = joinVersions(a, b);
        expect(ab).toEqual(joinVersions(b, a));
        expect(joinVersions(ab, c)).toEqual(joinVersions(a, joinVersions(b, c)));
        expect(joinVersions(a, a)).toEqual(joinVersions(a));
        expect(joinVersions(ab, a)).toEqual(ab);
        for (const v of [a, b]) expect(['before', 'equal']).toContain(compareVersions(v, ab));
        expect(Object.keys(ab)).toEqual(Object.keys(ab).sort());
        expect(Object.values(ab).every((n) => n > 0)).toBe(true);
      }),
    );
  });
});

describe('bumpVersion', () => {
  it('increments one device and keeps the form canonical', () => {
    expect(bumpVersion({}, B)).toEqual({ [B]: 1 });
    const v = bumpVersion({ [C]: 2, [A]: 5 }, B);
    expect(v).toEqual({ [A]: 5, [B]: 1, [C]: 2 });
    expect(Object.keys(v)).toEqual([A, B, C]);
    expect(bumpVersion({ [A]: 5 }, A)).toEqual({ [A]: 6 });
  });

  it('never reuses a counter below the floor', () => {
    expect(bumpVersion({ [A]: 1 }, A, 7)).toEqual({ [A]: 8 });
    expect(bumpVersion({ [A]: 9 }, A, 7)).toEqual({ [A]: 10 });
  });

  it('always comes after its base', () => {
    fc.assert(
      fc.property(vector, devices, (v, d) => {
        expect(compareVersions(v, bumpVersion(v, d))).toBe('before');
      }),
    );
  });

  it('rejects a bad device id and an overflow', () => {
    expect(() => bumpVersion({}, 'ABC')).toThrow(/not a device id/);
    try {
      bumpVersion({ [A]: Number.MAX_SAFE_INTEGER }, A);
      expect.unreachable();
    } catch (e) {
      expect(isPeerfoldError(e, 'too-large')).toBe(true);
    }
  });
});

describe('validateVersion', () => {
  it('accepts canonical vectors', () => {
    expect(() => validateVersion({})).not.toThrow();
    expect(() => validateVersion({ [A]: 1, [B]: Number.MAX_SAFE_INTEGER })).not.toThrow();
  });

  it.each([
    ['null', null],
    ['an array', [1]],
    ['bytes', new Uint8Array(2)],
    ['a number', 3],
    ['an upper-case id', { AAAAAAAAAAAAAAAA: 1 }],
    ['a short id', { abc: 1 }],
    ['a zero counter', { [A]: 0 }],
    ['a negative counter', { [A]: -1 }],
    ['a fractional counter', { [A]: 1.5 }],
    ['an unsafe counter', { [A]: 2 ** 53 }],
    ['a string counter', { [A]: '1' }],
  ])('rejects %s as malformed', (_, v) => {
    try {
      validateVersion(v, 'entry.version');
      expect.unreachable();
    } catch (e) {
      expect(isPeerfoldError(e, 'malformed')).toBe(true);
      expect(String(e)).toContain('entry.version');
    }
  });
});
