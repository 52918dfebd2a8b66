import { isIP as nodeIsIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIp, isIP, parseIp } from '../../src/net/ip';

// ip.ts's isIP is pure TypeScript (the swarm runs in a browser too); Node's net.isIP is the
// reference it must agree with, zone ids aside (ip.ts refuses them on purpose).

const valid4 = ['0.0.0.0', '1.2.3.4', '127.0.0.1', '255.255.255.255', '10.0.0.1', '192.168.1.99'];
const valid6 = [
  '::',
  '::1',
  '1::',
  '::ffff:1.2.3.4',
  '::FFFF:1.2.3.4',
  '::1.2.3.4',
  '64:ff9b::192.0.2.33',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:1.2.3.4',
  '1:2:3:4:5::1.2.3.4',
  '1:2:3:4:5:6:7::',
  '::1:2:3:4:5:6:7',
  '1::2:3:4:5:6:7',
  'fe80::1',
  '2001:db8::8a2e:370:7334',
  'ABCD::ef01',
  '0000:0000:0000:0000:0000:0000:0000:0001',
];
const invalid = [
  '',
  'localhost',
  'example.com',
  '01.2.3.4',
  '1.2.3.256',
  '1.2.3',
  '1.2.3.4.5',
  '1.2.3.',
  '.1.2.3',
  '1..2.3',
  '1e2.1.1.1',
  '0x1.2.3.4',
  '-1.2.3.4',
  ' 1.2.3.4',
  '1.2.3.4 ',
  '1.2.3.4\n',
  '١.2.3.4',
  '[::1]',
  ':',
  ':::',
  ':::1',
  '1:::2',
  ':1::',
  '1::2::3',
  '1.2.3.4::',
  '::1.2.3.4:5',
  ':1.2.3.4',
  '1:1.2.3.4',
  '::ffff:01.2.3.4',
  '::ffff:1.2.3',
  '::1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8::',
  '1:2:3:4:5:6:7',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6::1.2.3.4',
  '1:2:3:4:5:6:7:1.2.3.4',
  'abcde::',
  'g::1',
  '1::2:',
  '::%',
];

describe('isIP', () => {
  it.each(valid4)('%s is IPv4, as Node says', (host) => {
    expect(isIP(host)).toBe(4);
    expect(nodeIsIP(host)).toBe(4);
  });

  it.each(valid6)('%s is IPv6, as Node says', (host) => {
    expect(isIP(host)).toBe(6);
    expect(nodeIsIP(host)).toBe(6);
  });

  it.each(invalid)('%j is no IP literal, as Node says', (host) => {
    expect(isIP(host)).toBe(0);
    expect(nodeIsIP(host)).toBe(0);
  });

  it('refuses IPv6 zone ids, which Node takes', () => {
    for (const host of ['fe80::1%eth0', '1:2:3:4:5:6:7:8%x', '::1%1']) {
      expect(nodeIsIP(host)).toBe(6);
      expect(isIP(host)).toBe(0);
    }
  });

  it('agrees with Node on random strings of address characters', () => {
    const char = fc.constantFrom(...'0123456789abcdefABCDEFg:.:.: '.split(''));
    fc.assert(
      fc.property(fc.string({ unit: char, maxLength: 45 }), (host) => {
        expect(isIP(host)).toBe(nodeIsIP(host));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with Node on addresses built from groups, compressed or not, and their mutations', () => {
    const group = fc.oneof(
      { arbitrary: fc.stringMatching(/^[0-9a-fA-F]{1,4}$/), weight: 8 },
      { arbitrary: fc.stringMatching(/^[0-9a-fA-F]{5}$/), weight: 1 },
      { arbitrary: fc.constant(''), weight: 1 },
    );
    const part = fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 260 }).map(String), weight: 9 },
      { arbitrary: fc.constant('01'), weight: 1 },
    );
    const v4 = fc
      .oneof(
        { arbitrary: fc.array(part, { minLength: 4, maxLength: 4 }), weight: 4 },
        { arbitrary: fc.array(part, { minLength: 3, maxLength: 5 }), weight: 1 },
      )
      .map((parts) => parts.join('.'));
    const v6 = fc
      .tuple(fc.array(group, { maxLength: 9 }), fc.option(fc.nat({ max: 9 })), fc.option(v4))
      .map(([groups, gap, tail]) => {
        const all = tail === null ? groups : [...groups, tail];
        if (gap === null) return all.join(':');
        const at = Math.min(gap, all.length);
        return `${all.slice(0, at).join(':')}::${all.slice(at).join(':')}`;
      });
    const edit = fc.tuple(fc.nat(), fc.constantFrom('', ':', '.', '%', '0', 'f', '::'));
    const seen = { 0: 0, 4: 0, 6: 0 };
    fc.assert(
      fc.property(fc.oneof(v4, v6), fc.option(edit), (host, mutation) => {
        let text = host;
        if (mutation) {
          const [at, insert] = mutation;
          const i = at % (text.length + 1);
          text = text.slice(0, i) + insert + text.slice(i + (insert === '' ? 1 : 0));
        }
        if (text.includes('%')) return; // zone ids: see above
        const family = isIP(text);
        expect(family).toBe(nodeIsIP(text));
        seen[family]++;
      }),
      { numRuns: 20_000 },
    );
    // The comparison covers valid addresses of both families, not only garbage.
    expect(seen[4]).toBeGreaterThan(200);
    expect(seen[6]).toBeGreaterThan(200);
  });

  it('takes the canonical text of any IPv6 address, and parses it back to its bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const canonical = formatIp(bytes);
        expect(isIP(canonical)).toBe(6);
        expect(nodeIsIP(canonical)).toBe(6);
        expect(parseIp(canonical)).toEqual(bytes);
      }),
      { numRuns: 2_000 },
    );
  });
});
