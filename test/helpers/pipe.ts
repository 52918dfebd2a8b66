import type { Capability } from '../../src/core/capability';
import { randomBytes } from '../../src/core/crypto';
import type { PeerfoldError } from '../../src/core/errors';
import type { SignedHead } from '../../src/core/head';
import { Replica } from '../../src/core/replica';
import { Session } from '../../src/core/session';
import { decodeMessage, type WireMessage } from '../../src/core/wire';
import { MemoryObjectStore } from './memory-store';

export interface Peer {
  replica: Replica;
  store: MemoryObjectStore;
  heads: SignedHead[];
  warnings: PeerfoldError[];
}

export function makePeer(cap: Capability, store = new MemoryObjectStore()): Peer {
  const peer: Peer = { store, heads: [], warnings: [], replica: undefined as unknown as Replica };
  peer.replica = new Replica(cap, store, {
    head: (h) => peer.heads.push(h),
    warning: (w) => peer.warnings.push(w),
  });
  return peer;
}

export interface Link {
  a: Session;
  b: Session;
  /** Every message in order, decoded, with its direction. */
  log: { from: 'a' | 'b'; message: WireMessage }[];
  closed: Promise<{ a?: PeerfoldError; b?: PeerfoldError }>;
}

/** Carries `bytes` from one side to the other; may change or drop them (tests of hostile peers). */
export type Tamper = (from: 'a' | 'b', bytes: Uint8Array) => Uint8Array | undefined;

/** Two sessions joined by an in-memory, asynchronous, in-order pipe. */
export function connect(a: Peer, b: Peer, tamper?: Tamper): Link {
  const log: Link['log'] = [];
  let closeA: PeerfoldError | undefined;
  let closeB: PeerfoldError | undefined;
  let closedCount = 0;
  let resolveClosed!: (v: { a?: PeerfoldError; b?: PeerfoldError }) => void;
  const closed = new Promise<{ a?: PeerfoldError; b?: PeerfoldError }>((r) => (resolveClosed = r));
  const onClose = (side: 'a' | 'b') => (error?: PeerfoldError) => {
    if (side === 'a') closeA = error;
    else closeB = error;
    if (++closedCount === 2) resolveClosed({ a: closeA, b: closeB });
  };
  const sessions: { a?: Session; b?: Session } = {};
  const deliver = (from: 'a' | 'b') => (bytes: Uint8Array) => {
    log.push({ from, message: decodeMessage(bytes) });
    const carried = tamper ? tamper(from, bytes) : bytes;
    if (!carried) return;
    const to = from === 'a' ? sessions.b : sessions.a;
    setImmediate(() => {
      to?.receive(carried);
      // a session that closed stops reading; its peer sees the pipe end too
    });
  };
  sessions.a = new Session({
    replica: a.replica,
    send: deliver('a'),
    onClose: (e) => {
      onClose('a')(e);
      setImmediate(() => sessions.b?.close('peer went away'));
    },
    randomNonce: () => randomBytes(32),
  });
  sessions.b = new Session({
    replica: b.replica,
    send: deliver('b'),
    onClose: (e) => {
      onClose('b')(e);
      setImmediate(() => sessions.a?.close('peer went away'));
    },
    randomNonce: () => randomBytes(32),
  });
  sessions.a.start();
  sessions.b.start();
  return { a: sessions.a, b: sessions.b, log, closed };
}

/** Resolves when `predicate` holds, polling the event loop; rejects after `ms`. */
export async function until(predicate: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
