import { describe, expect, it } from 'vitest';
import { bytesEqual, utf8 } from '../../src/core/bytes';
import { PeerfoldError } from '../../src/core/errors';
import {
  MAX_MESSAGE_BYTES,
  decodeMessage,
  encodeMessage,
  type WireMessage,
} from '../../src/core/wire';
import { fuzzInputs, parsesOrTypedError, prng } from '../helpers/fuzz';

const filled = (length: number, value: number): Uint8Array => new Uint8Array(length).fill(value);

/** Valid messages of every type, small enough that mutations hit every part of them. */
const SAMPLES: readonly WireMessage[] = [
  { type: 'hello', nonce: filled(32, 1), role: 'write', agent: 'peerfold/0.1.0' },
  { type: 'hello', nonce: filled(32, 2), role: 'store' },
  { type: 'proof', mac: filled(32, 3) },
  { type: 'heads', heads: [utf8('d1:ai1ee'), filled(40, 4)] },
  { type: 'heads', heads: [] },
  { type: 'want', addresses: [filled(32, 5), filled(32, 6)] },
  { type: 'data', address: filled(32, 7), bytes: utf8('sealed bytes') },
  { type: 'dont-have', addresses: [filled(32, 8)] },
  { type: 'credit', bytes: 8388608 },
  { type: 'bye', reason: 'done ✓' },
];

/** Which error codes may come out of the decoder: nothing else, and never an untyped error. */
const CODES = new Set(['malformed', 'too-large', 'unsupported']);

function decodeChecked(bytes: Uint8Array): void {
  try {
    const message = decodeMessage(bytes);
    // whatever decodes is valid: it encodes, and the encoding decodes to the same message
    const again = encodeMessage(message);
    expect(bytesEqual(encodeMessage(decodeMessage(again)), again)).toBe(true);
  } catch (e) {
    if (e instanceof PeerfoldError) expect(CODES.has(e.code), e.code).toBe(true);
    throw e;
  }
}

function elapsed(f: () => void): number {
  const start = performance.now();
  f();
  return performance.now() - start;
}

describe('wire decoder under fuzzing', () => {
  it('meets 25 000 mutated and random inputs with a message or a typed error', () => {
    const samples = SAMPLES.map(encodeMessage);
    const counts = { ok: 0, error: 0 };
    const ms = elapsed(() => {
      for (const input of fuzzInputs(samples, 25_000, 20240601)) {
        counts[parsesOrTypedError(() => decodeChecked(input))]++;
      }
    });
    expect(counts.ok + counts.error).toBe(25_000);
    // both outcomes occur, so the fuzzer reaches past the envelope into the fields
    expect(counts.ok).toBeGreaterThan(500);
    expect(counts.error).toBeGreaterThan(5_000);
    expect(ms).toBeLessThan(10_000);
  });

  it('rejects 300 KiB of garbage quickly, before parsing it', () => {
    const rnd = prng(7);
    const garbage = Uint8Array.from({ length: 300 * 1024 }, () => Math.floor(rnd() * 256));
    let code = '';
    const ms = elapsed(() => {
      try {
        decodeMessage(garbage);
      } catch (e) {
        code = e instanceof PeerfoldError ? e.code : 'untyped';
      }
    });
    expect(code).toBe('too-large');
    expect(ms).toBeLessThan(50);
  });

  it('rejects deep nesting quickly, without overflowing the stack', () => {
    const inputs = [
      utf8('l'.repeat(100_000)),
      utf8('l'.repeat(100_000) + 'e'.repeat(100_000)),
      utf8('d1:a'.repeat(50_000)),
      utf8('d1:vi1e1:t4:want1:a' + 'l'.repeat(60_000)),
    ];
    for (const input of inputs) {
      expect(input.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      let code = '';
      const ms = elapsed(() => {
        try {
          decodeMessage(input);
        } catch (e) {
          code = e instanceof PeerfoldError ? e.code : `untyped ${String(e)}`;
        }
      });
      expect(code).toBe('malformed');
      expect(ms).toBeLessThan(50);
    }
  });

  it('rejects near-limit inputs of every shape in bounded time', () => {
    const big = MAX_MESSAGE_BYTES - 16;
    const inputs = [
      utf8('l' + 'i0e'.repeat(Math.floor(big / 3) - 1) + 'e'), // a huge flat list: ok for bencode
      utf8('d1:vi1e1:t4:want1:al' + '0:'.repeat(Math.floor(big / 2) - 20) + 'ee'),
      utf8('9007199254740991:abc'),
      filled(MAX_MESSAGE_BYTES, 0x30),
    ];
    for (const input of inputs) {
      expect(input.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      let outcome = '';
      const ms = elapsed(() => {
        outcome = parsesOrTypedError(() => decodeMessage(input));
      });
      expect(outcome).toBe('error');
      expect(ms).toBeLessThan(200);
    }
  });
});
