import { describe, expect, it } from 'vitest';
import {
  capabilityLink,
  createShare,
  discoveryKey,
  formatCapability,
  parseCapability,
  requireRole,
  swarmAuthKey,
  toRead,
  toStore,
  writeFromSeed,
} from '../../src/core/capability';
import { bytesEqual, toHex } from '../../src/core/bytes';
import { errorOf } from '../helpers/errors';

describe('capabilities', () => {
  it('derives Read from Write and Store from Read, one way', () => {
    const write = createShare();
    const read = toRead(write);
    const store = toStore(read);
    expect(read.role).toBe('read');
    expect(store.role).toBe('store');
    expect(bytesEqual(read.publicKey, write.publicKey)).toBe(true);
    expect(bytesEqual(read.readKey, write.readKey)).toBe(true);
    // the read key and public key reveal nothing of the seed
    expect(toHex(read.readKey)).not.toContain(toHex(write.seed).slice(0, 16));
    expect(bytesEqual(writeFromSeed(write.seed).publicKey, write.publicKey)).toBe(true);
  });

  it('derives the same public discovery and auth keys for every role, distinct per share', () => {
    const a = createShare();
    const b = createShare();
    expect(discoveryKey(a)).toHaveLength(20);
    expect(bytesEqual(discoveryKey(a), discoveryKey(toStore(a)))).toBe(true);
    expect(bytesEqual(swarmAuthKey(toRead(a)), swarmAuthKey(toStore(a)))).toBe(true);
    expect(bytesEqual(discoveryKey(a), discoveryKey(b))).toBe(false);
    expect(bytesEqual(swarmAuthKey(a).subarray(0, 20), discoveryKey(a))).toBe(false);
  });

  it('round-trips every role through text with the role visible', () => {
    const write = createShare();
    for (const cap of [write, toRead(write), toStore(write)]) {
      const text = formatCapability(cap);
      expect(text.startsWith(`pf${cap.role}1`)).toBe(true);
      expect(text).toMatch(/^[a-z0-9]+$/);
      const back = parseCapability(text);
      expect(back.role).toBe(cap.role);
      expect(formatCapability(back)).toBe(text);
      expect(formatCapability(parseCapability(text.toUpperCase()))).toBe(text);
    }
  });

  it('reads a capability from the fragment of a link', () => {
    const read = toRead(createShare());
    const link = capabilityLink(read, 'https://peerfold.example/');
    expect(link).toBe(`https://peerfold.example/#${formatCapability(read)}`);
    expect(formatCapability(parseCapability(link))).toBe(formatCapability(read));
    expect(formatCapability(parseCapability(`#${formatCapability(read)}`))).toBe(
      formatCapability(read),
    );
  });

  it('names what is wrong with bad input', () => {
    const text = formatCapability(createShare());
    const cases: [string, RegExp][] = [
      ['', /no capability/],
      ['https://peerfold.example/', /no #fragment/],
      ['https://peerfold.example/#', /no capability/],
      [text.slice(0, -5), /truncated: 5 of 59 characters missing/],
      [`${text}qq`, /too long: 2 extra/],
      ['pfwrit', /^not a Peerfold capability/],
      ['pfwrite', /^capability is truncated after "pfwrite"$/],
      ['PFREAD', /^capability is truncated after "pfread"$/],
      ['hello world', /not a Peerfold capability/],
      [`pfsecret1${text.slice(8)}`, /not a Peerfold capability/],
      [`${text.slice(0, 20)}b${text.slice(21)}`, /invalid character 'b' at position 21/],
      [`${text.slice(0, 10)}${text[10] === 'q' ? 'p' : 'q'}${text.slice(11)}`, /checksum/],
      [`${text.slice(0, 10).toUpperCase()}${text.slice(10)}`, /mixes upper and lower/],
      ['https://x/#%E0%A4%A', /percent-encoding/],
    ];
    for (const [input, message] of cases) {
      const e = errorOf(() => parseCapability(input));
      expect(e.code, input).toBe('bad-capability');
      expect(e.message, input).toMatch(message);
    }
  });

  it('detects every single-character substitution', () => {
    const text = formatCapability(toStore(createShare()));
    const alphabet = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
    for (let i = 'pfstore1'.length; i < text.length; i++) {
      const other = alphabet[(alphabet.indexOf(text[i]!) + 7) % 32]!;
      const typo = text.slice(0, i) + other + text.slice(i + 1);
      expect(() => parseCapability(typo)).toThrow(/checksum|padding/);
    }
  });

  it('refuses an operation that needs a stronger role, naming both roles', () => {
    const store = toStore(createShare());
    const e = errorOf(() => requireRole(store, 'read', 'Opening the folder'));
    expect(e.code).toBe('wrong-role');
    expect(e.message).toBe(
      'Opening the folder needs the Read capability; this is a Store capability',
    );
    expect(() => requireRole(createShare(), 'write', 'x')).not.toThrow();
  });
});
