/**
 * parseWithoutJoining: a wire reads the same messages however the byte stream is cut into
 * chunks, handing out views into a chunk that holds a whole message and copying only a message
 * that spans chunks.
 */
import Wire from 'bittorrent-protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes } from '../../src/core/bytes';
import { EXTENSION_NAME } from '../../src/core/wire-types';
import { ownsMemory, parseWithoutJoining } from '../../src/net/wire-parse';

const INFO_HASH = new Uint8Array(20).fill(7);

function withExtension(w: Wire): Wire {
  class Named {}
  Object.defineProperty(Named.prototype, 'name', { value: EXTENSION_NAME });
  w.use(Named as unknown as Parameters<Wire['use']>[0]);
  return w;
}

/**
 * The bytes a sending wire puts on the network: its handshakes, then `payloads` as extended
 * messages. The receiving wire's handshakes are captured too, to answer with.
 */
async function sentBytes(payloads: readonly Uint8Array[]): Promise<Uint8Array> {
  const a = withExtension(new Wire());
  const b = withExtension(new Wire());
  const out: Uint8Array[] = [];
  const bIn = b as unknown as NodeJS.WritableStream;
  a.on(
    'data' as 'close',
    ((chunk: Uint8Array) => {
      out.push(new Uint8Array(chunk));
      bIn.write(chunk);
    }) as () => void,
  );
  b.pipe(a as unknown as NodeJS.WritableStream);
  const shaken = new Promise<void>((resolve) =>
    a.on('extended', (ext) => {
      if (ext === 'handshake') resolve();
    }),
  );
  a.handshake(INFO_HASH, new Uint8Array(20).fill(1));
  b.handshake(INFO_HASH, new Uint8Array(20).fill(2));
  await shaken;
  for (const p of payloads) a.extended(EXTENSION_NAME, p);
  await new Promise((r) => setTimeout(r, 20));
  a.destroy();
  b.destroy();
  return concatBytes(...out);
}

/** Writes `chunks` into a fresh wire with parseWithoutJoining and returns the `expected` it read. */
async function receive(chunks: readonly Uint8Array[], expected: number): Promise<Uint8Array[]> {
  const b = withExtension(new Wire());
  parseWithoutJoining(b);
  const got: Uint8Array[] = [];
  b.on('handshake', () => b.handshake(INFO_HASH, new Uint8Array(20).fill(2)));
  b.on('extended', (ext, payload) => {
    if (ext !== 'handshake') got.push(payload as Uint8Array);
  });
  for (const c of chunks) (b as unknown as NodeJS.WritableStream).write(c);
  for (let i = 0; i < 400 && got.length < expected; i++) await new Promise((r) => setTimeout(r, 5));
  b.destroy();
  return got;
}

const payloadsOf = (sizes: readonly number[]): Uint8Array[] =>
  sizes.map((n, i) => Uint8Array.from({ length: n }, (_, k) => (k * 13 + i) & 255));

describe('parseWithoutJoining', () => {
  it('reads every message whole and in order, wherever the chunks are cut', async () => {
    const payloads = payloadsOf([1, 300, 16_389, 70_000, 5, 0, 64 * 1024]);
    const bytes = await sentBytes(payloads);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }),
        async (cuts) => {
          const points = [0, ...cuts.sort((x, y) => x - y), bytes.length];
          const chunks = points.slice(1).map((end, i) => bytes.slice(points[i], end));
          const got = await receive(chunks, payloads.length);
          expect(got.length).toBe(payloads.length);
          got.forEach((g, i) => expect(bytesEqual(g, payloads[i]!), `message ${i}`).toBe(true));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('hands out views into a chunk that holds whole messages, and copies one that spans two into memory of its own', async () => {
    const payloads = payloadsOf([2000, 3000, 4000]);
    const bytes = await sentBytes(payloads);
    const total = payloads.reduce((s, p) => s + p.length, 0);
    const messagesStart = bytes.length - total - payloads.length * 6; // 4 length, 1 id, 1 ext id
    const head = bytes.slice(0, messagesStart + 2500); // handshakes, message 1, part of message 2
    const tail = bytes.slice(messagesStart + 2500);
    const got = await receive([head, tail], payloads.length);
    expect(got.map((g) => g.length)).toEqual([2000, 3000, 4000]);
    expect(got[0]!.buffer).toBe(head.buffer); // whole in the first chunk: a view
    expect(got[1]!.buffer).not.toBe(head.buffer); // spans both: its own copy
    expect(got[1]!.buffer).not.toBe(tail.buffer);
    expect(got[2]!.buffer).toBe(tail.buffer);
    // only the copy may be kept as it is by the message's reader
    expect(got.map(ownsMemory)).toEqual([false, true, false]);
    got.forEach((g, i) => expect(bytesEqual(g, payloads[i]!)).toBe(true));
  });
});
