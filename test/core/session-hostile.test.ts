import { describe, expect, it } from 'vitest';
import { encode } from '../../src/core/bencode';
import { toHex, utf8 } from '../../src/core/bytes';
import { createShare, toStore } from '../../src/core/capability';
import { randomBytes } from '../../src/core/crypto';
import { isMisbehaviour, PeerfoldError, type ErrorCode } from '../../src/core/errors';
import { encodeSignedHead, signHead } from '../../src/core/head';
import { CREDIT_WINDOW, MAX_QUEUED_CONTROL_BYTES, MAX_SERVE_QUEUE } from '../../src/core/session';
import { encodeMessage, MAX_MESSAGE_BYTES, MAX_WANT } from '../../src/core/wire';
import { bytesFor } from '../helpers/data';
import { MemoryObjectStore } from '../helpers/memory-store';
import { makePeer, until, type Peer } from '../helpers/pipe';
import { DEVICE_B, sampleFiles, writeVersion } from '../helpers/share-fixture';
import { dataFrom, remoteFor, type Remote } from './session-harness';

/** A Store sink with a session to a scripted remote, and a source holding one version. */
async function setup(sinkStore = new MemoryObjectStore()) {
  const cap = createShare();
  const source = makePeer(cap);
  const { head, root } = await writeVersion(cap, source.store, sampleFiles('a'));
  const sink = makePeer(toStore(cap), sinkStore);
  const remote = await remoteFor(sink);
  return { cap, source, head, root, sink, remote };
}

async function endedWith(remote: Remote): Promise<PeerfoldError | undefined> {
  await until(() => remote.ended !== undefined);
  return remote.ended!.error;
}

function holdsNothing(sink: Peer): void {
  expect(sink.store.objects.size).toBe(0);
  expect(sink.replica.graph.size).toBe(0);
  expect(sink.heads).toHaveLength(0);
}

describe('a session facing a hostile peer that proved the Store capability', () => {
  it('ends with bad-address on an object that does not match its address, storing nothing', async () => {
    const { source, head, root, sink, remote } = await setup();
    await remote.announce(head);
    const good = dataFrom(source.store, root);
    if (good.type !== 'data') throw new Error('unreachable');
    const corrupt = good.bytes.slice();
    corrupt[corrupt.length >> 1]! ^= 0x40;
    remote.send({ type: 'data', address: root, bytes: corrupt });
    expect((await endedWith(remote))?.code).toBe('bad-address');
    holdsNothing(sink);
    // what the session was fetching went back to the pool for another peer
    expect(sink.replica.progress()).toMatchObject({ objectsPending: 1, objectsInFlight: 0 });
  });

  it('ends with bad-signature on a head signed by another key, keeping no head', async () => {
    const { sink, remote } = await setup();
    const forged = signHead(createShare(), {
      seq: 1,
      parents: [],
      root: new Uint8Array(32),
      time: 1,
      device: DEVICE_B,
    });
    remote.send({ type: 'heads', heads: [encodeSignedHead(forged)] });
    expect((await endedWith(remote))?.code).toBe('bad-signature');
    holdsNothing(sink);
    expect(remote.wanted()).toHaveLength(0);
  });

  it('ends with malformed on head bytes that are not a signed head', async () => {
    const { sink, remote } = await setup();
    remote.send({ type: 'heads', heads: [utf8('not a head')] });
    expect((await endedWith(remote))?.code).toBe('malformed');
    holdsNothing(sink);
  });

  for (const open of [false, true]) {
    const when = open ? 'once open' : 'during the handshake';
    it(`ends with too-large on an oversized message ${when}`, async () => {
      const { sink } = await setup();
      const remote = await remoteFor(sink, open);
      remote.sendRaw(new Uint8Array(MAX_MESSAGE_BYTES + 1));
      expect((await endedWith(remote))?.code).toBe('too-large');
      holdsNothing(sink);
    });

    it(`ends with malformed on bytes that are not a message ${when}`, async () => {
      const { sink } = await setup();
      const remote = await remoteFor(sink, open);
      remote.sendRaw(utf8('d1:t4:junk'));
      expect((await endedWith(remote))?.code).toBe('malformed');
      holdsNothing(sink);
    });
  }

  it('ends with protocol on data nobody asked for, storing nothing', async () => {
    const { source, root, sink, remote } = await setup();
    remote.send(dataFrom(source.store, root));
    expect((await endedWith(remote))?.code).toBe('protocol');
    holdsNothing(sink);
  });

  it('ends with protocol on data beyond its credit, before handling any of the burst', async () => {
    const cap = createShare();
    const source = makePeer(cap);
    // 40 blocks of about 244 KiB: more than the 8 MiB window
    const blocks = Array.from({ length: 40 }, (_, i) => bytesFor(`big-${i}`, 250_000));
    const { head, root } = await writeVersion(cap, source.store, [{ path: 'big.bin', blocks }]);
    const sink = makePeer(toStore(cap));
    const remote = await remoteFor(sink);
    await remote.announce(head);
    remote.send(dataFrom(source.store, root));
    await until(() => remote.wanted().length === 41);
    const granted = remote.sent.reduce((n, m) => n + (m.type === 'credit' ? m.bytes : 0), 0);
    expect(granted).toBe(CREDIT_WINDOW);
    // every block was asked for, but the peer sends them all at once, ignoring its credit
    for (const address of remote.wanted().slice(1)) remote.send(dataFrom(source.store, address));
    const error = await endedWith(remote);
    expect(error?.code).toBe('protocol');
    expect(error?.message).toMatch(/credit/);
    expect([...sink.store.objects.keys()]).toEqual([toHex(root)]);
    expect(sink.heads).toHaveLength(0);
  });

  it('ends with too-large when control messages pile up past the queue limit', async () => {
    const { head, sink, remote } = await setup();
    const message = encodeMessage({
      type: 'heads',
      heads: Array.from({ length: 64 }, () => encodeSignedHead(head)),
    });
    const count = Math.ceil(MAX_QUEUED_CONTROL_BYTES / message.length) + 1;
    for (let i = 0; i < count && !remote.ended; i++) remote.sendRaw(message);
    expect((await endedWith(remote))?.code).toBe('too-large');
    holdsNothing(sink);
  });

  it('ends with too-large when the peer wants more than a sender queues', async () => {
    const { sink, remote } = await setup();
    const batches = Math.floor(MAX_SERVE_QUEUE / MAX_WANT) + 1;
    for (let i = 0; i < batches; i++) {
      remote.send({
        type: 'want',
        addresses: Array.from({ length: MAX_WANT }, (_, j) => bytesFor(`want-${i}-${j}`, 32)),
      });
    }
    expect((await endedWith(remote))?.code).toBe('too-large');
    holdsNothing(sink);
  });

  it('ignores a dont-have for addresses it did not ask for', async () => {
    const { head, root, sink, remote } = await setup();
    await remote.announce(head);
    remote.send({ type: 'dont-have', addresses: [randomBytes(32)] });
    await remote.session.idle();
    expect(remote.session.state).toBe('open');
    expect(remote.session.wantsInFlight).toBe(1);
    remote.send({ type: 'dont-have', addresses: [root] });
    await remote.session.idle();
    expect(remote.session.wantsInFlight).toBe(0);
    expect(sink.replica.progress()).toMatchObject({ objectsPending: 1, objectsInFlight: 0 });
  });

  it('skips a message type from a newer peer once open, but not during the handshake', async () => {
    const { head, sink, remote } = await setup();
    const future = encode({ t: 'future-thing', v: 1 });
    remote.sendRaw(future);
    await remote.announce(head);
    expect(remote.session.state).toBe('open');
    const early = await remoteFor(sink, false);
    early.sendRaw(future);
    const error = await endedWith(early);
    expect(error?.code).toBe('unsupported');
    expect(isMisbehaviour(error)).toBe(false);
  });

  it('blames itself, not the peer, when its own store fails (io, code only in the bye)', async () => {
    class FailingStore extends MemoryObjectStore {
      override put(): Promise<void> {
        return Promise.reject(new Error('disk on fire at /home/someone/secret-path'));
      }
    }
    const { source, head, root, remote } = await setup(new FailingStore());
    await remote.announce(head);
    remote.send(dataFrom(source.store, root));
    const error = await endedWith(remote);
    expect(error?.code).toBe('io');
    expect(isMisbehaviour(error)).toBe(false);
    expect(remote.sent.at(-1)).toEqual({ type: 'bye', reason: 'io' });
  });
});

describe('isMisbehaviour', () => {
  // A Record, so a new error code does not compile until it is classified here.
  const table: Record<ErrorCode, boolean> = {
    'bad-address': true,
    'bad-signature': true,
    malformed: true,
    'too-large': true,
    protocol: true,
    unauthorized: true,
    'decrypt-failed': true,
    'bad-path': true,
    timeout: false,
    io: false,
    'no-space': false,
    unsupported: false,
    missing: false,
    paused: false,
    'other-share': false,
    changed: false,
    'bad-capability': false,
    'wrong-role': false,
  };
  for (const [code, expected] of Object.entries(table) as [ErrorCode, boolean][]) {
    it(`${code} -> ${expected}`, () => {
      expect(isMisbehaviour(new PeerfoldError(code, 'x'))).toBe(expected);
    });
  }

  it('a clean close -> false', () => {
    expect(isMisbehaviour(undefined)).toBe(false);
  });
});
