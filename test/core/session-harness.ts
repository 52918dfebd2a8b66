/**
 * A scripted remote peer for session tests: the test plays the other side byte by byte. It holds
 * the share's auth key, so it passes the proof like any Store peer, then sends whatever the test
 * says, synchronously (no pipe in between, so arrival order and timing are the test's).
 */
import { bytesEqual, toHex } from '../../src/core/bytes';
import { randomBytes } from '../../src/core/crypto';
import type { PeerfoldError } from '../../src/core/errors';
import { encodeSignedHead, type SignedHead } from '../../src/core/head';
import type { Address } from '../../src/core/objects';
import { makeProof } from '../../src/core/proof';
import { Session } from '../../src/core/session';
import { decodeMessage, encodeMessage, type WireMessage } from '../../src/core/wire';
import type { Peer } from '../helpers/pipe';
import { until } from '../helpers/pipe';

export interface Remote {
  readonly session: Session;
  /** Everything the session sent, decoded. */
  readonly sent: WireMessage[];
  /** Set once the session ended: `{ error }` (undefined error for a clean end). */
  readonly ended: { error?: PeerfoldError } | undefined;
  send(message: WireMessage): void;
  sendRaw(bytes: Uint8Array): void;
  /** Every address the session has wanted so far, in order. */
  wanted(): Address[];
  /** Announces `head` and waits until the session wants its root. */
  announce(head: SignedHead): Promise<void>;
}

/**
 * A session over `peer`'s replica, started, with the handshake done unless `open` is false;
 * `room` plays its transport's MessageSink.room.
 */
export async function remoteFor(
  peer: Peer,
  open = true,
  room?: () => Promise<void> | undefined,
): Promise<Remote> {
  const sent: WireMessage[] = [];
  let ended: { error?: PeerfoldError } | undefined;
  const session = new Session({
    replica: peer.replica,
    send: Object.assign((bytes: Uint8Array) => void sent.push(decodeMessage(bytes)), { room }),
    onClose: (error) => (ended = { error }),
    randomNonce: () => randomBytes(32),
  });
  const remote: Remote = {
    session,
    sent,
    get ended() {
      return ended;
    },
    send: (message) => session.receive(encodeMessage(message)),
    sendRaw: (bytes) => session.receive(bytes),
    wanted: () => sent.flatMap((m) => (m.type === 'want' ? m.addresses : [])),
    announce: async (head) => {
      remote.send({ type: 'heads', heads: [encodeSignedHead(head)] });
      await until(() => remote.wanted().some((a) => bytesEqual(a, head.head.root)));
    },
  };
  session.start();
  if (!open) return remote;
  const hello = sent[0]!;
  if (hello.type !== 'hello') throw new Error('the session did not start with hello');
  const nonce = randomBytes(32);
  remote.send({ type: 'hello', nonce, role: 'store' });
  remote.send({ type: 'proof', mac: makeProof(peer.replica.authKey, nonce, hello.nonce) });
  await session.idle();
  if (session.state !== 'open') throw new Error('the handshake did not open the session');
  return remote;
}

/** The `data` message for `address` with the bytes `store` holds. */
export function dataFrom(
  store: { objects: Map<string, Uint8Array> },
  address: Address,
): WireMessage {
  const bytes = store.objects.get(toHex(address));
  if (!bytes) throw new Error('the source store lacks a wanted object');
  return { type: 'data', address, bytes };
}
