/**
 * framedSink: a session's messages, encoded with headroom, go out as whole BEP 10 extended
 * messages framed in place (one chunk sharing the message's memory), and a peer's wire reads
 * them back; a message without headroom still goes out, through the wire's own framing. The
 * sink says when the wire's transport is full and when it takes more again.
 */
import Wire from 'bittorrent-protocol';
import { Writable } from 'streamx';
import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../src/core/bytes';
import { decodeMessage, encodeMessage, EXTENSION_NAME } from '../../src/core/wire';
import { FRAME_BYTES, framedSink, WIRE_QUEUE_BYTES } from '../../src/net/framed-sink';

const INFO_HASH = new Uint8Array(20).fill(7);

/** Two wires piped together, both with the extension, past their extended handshakes. */
async function wirePair(): Promise<{ a: Wire; b: Wire; received: Uint8Array[] }> {
  const a = new Wire();
  const b = new Wire();
  const received: Uint8Array[] = [];
  for (const w of [a, b]) {
    class Named {}
    Object.defineProperty(Named.prototype, 'name', { value: EXTENSION_NAME });
    w.use(Named as unknown as Parameters<Wire['use']>[0]);
  }
  a.pipe(b as unknown as NodeJS.WritableStream);
  b.pipe(a as unknown as NodeJS.WritableStream);
  const ready = Promise.all(
    [a, b].map(
      (w) =>
        new Promise<void>((resolve) =>
          w.on('extended', (ext, payload) => {
            if (ext === 'handshake') resolve();
            else if (w === b) received.push(payload as Uint8Array);
          }),
        ),
    ),
  );
  b.on('handshake', () => b.handshake(INFO_HASH, new Uint8Array(20).fill(2)));
  a.handshake(INFO_HASH, new Uint8Array(20).fill(1));
  await ready;
  return { a, b, received };
}

const until = async (f: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('framedSink', () => {
  it('frames a message in place: one chunk over the message memory, read back whole', async () => {
    const { a, b, received } = await wirePair();
    const pushed: Uint8Array[] = [];
    const push = a._push.bind(a);
    a._push = (data) => {
      pushed.push(data);
      push(data);
    };
    const sink = framedSink(a, () => true);
    expect(sink.headroom).toBe(FRAME_BYTES);
    const bytes = new Uint8Array(100_000).map((_, i) => i & 0xff);
    const message = encodeMessage(
      { type: 'data', address: new Uint8Array(32).fill(9), bytes },
      sink.headroom,
    );
    sink(message);
    await until(() => received.length === 1);
    expect(pushed).toHaveLength(1);
    expect(pushed[0]!.buffer).toBe(message.buffer); // no copy
    expect(pushed[0]!.length).toBe(message.length + FRAME_BYTES);
    const got = decodeMessage(received[0]!);
    expect(got.type === 'data' && bytesEqual(got.bytes, bytes)).toBe(true);
    a.destroy();
    b.destroy();
  });

  it('sends a message without headroom of its own through the wire, and nothing once not live', async () => {
    const { a, b, received } = await wirePair();
    let live = true;
    const sink = framedSink(a, () => live);
    sink(encodeMessage({ type: 'credit', bytes: 1234 }));
    await until(() => received.length === 1);
    expect(decodeMessage(received[0]!)).toEqual({ type: 'credit', bytes: 1234 });
    // Headroom in a buffer that holds more than the message is not the sink's to write.
    const shared = new Uint8Array(200);
    const inside = encodeMessage({ type: 'credit', bytes: 77 });
    shared.set(inside, FRAME_BYTES);
    sink(shared.subarray(FRAME_BYTES, FRAME_BYTES + inside.length));
    await until(() => received.length === 2);
    expect(decodeMessage(received[1]!)).toEqual({ type: 'credit', bytes: 77 });
    expect(Array.from(shared.subarray(0, FRAME_BYTES))).toEqual([0, 0, 0, 0, 0, 0]);
    live = false;
    sink(encodeMessage({ type: 'credit', bytes: 99 }, FRAME_BYTES));
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(2);
    a.destroy();
    b.destroy();
  });

  it('says when the transport is full, and when it takes more again or the wire closes', async () => {
    const a = new Wire();
    a.peerExtendedMapping[EXTENSION_NAME] = 1;
    const held: (() => void)[] = [];
    const slow = new Writable({
      highWaterMark: 1,
      write: (_chunk: unknown, done: (error: Error | null) => void) => held.push(() => done(null)),
    });
    a.pipe(slow);
    const sink = framedSink(a, () => true);
    const block = (): Uint8Array =>
      encodeMessage(
        { type: 'data', address: new Uint8Array(32), bytes: new Uint8Array(64 * 1024) },
        sink.headroom,
      );
    const settled = (p: Promise<void>): (() => boolean) => {
      let done = false;
      void p.then(() => (done = true));
      return () => done;
    };
    expect(sink.room!()).toBeUndefined();
    // One block is taken by the transport, which holds it; the next ones wait in the wire.
    let queued = 0;
    let wait: Promise<void> | undefined;
    while ((wait = sink.room!()) === undefined && queued < 64) {
      sink(block());
      queued++;
    }
    expect(queued).toBe(Math.ceil(WIRE_QUEUE_BYTES / (block().length + FRAME_BYTES)));
    expect(wait).toBeInstanceOf(Promise);
    const resumed = settled(wait!);
    await until(() => held.length === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(resumed()).toBe(false);
    // The transport takes one block after the other: room again once the wire is empty.
    let taken = 0;
    while (!resumed() && taken < queued) {
      held.shift()!();
      taken++;
      await until(() => held.length === 1 || resumed());
    }
    expect(resumed()).toBe(true);
    expect(taken).toBe(queued - 1);
    expect(sink.room!()).toBeUndefined();

    while (sink.room!() === undefined) sink(block()); // full again, and then the wire closes
    const closing = sink.room!();
    expect(closing).toBeInstanceOf(Promise);
    const ended = settled(closing!);
    a.destroy();
    await until(ended);
    expect(ended()).toBe(true);
    expect(sink.room!()).toBeUndefined();
  });
});
