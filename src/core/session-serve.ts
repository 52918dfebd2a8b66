/**
 * The sending half of a session: objects the peer wanted, sent in order while the credit it
 * granted lasts (docs/PROTOCOL.md section 9). What this side does not hold is answered with
 * `dont-have`. One send loop runs at a time; it reads up to SERVE_READ_AHEAD wanted objects
 * from the store ahead of sending them, so the disk and the socket work at once, and still sends
 * in the order wanted, only while credit lasts and only while the transport has room.
 */
import { PeerfoldError } from './errors';
import type { Address } from './objects';
import type { ObjectStore } from './ports';
import { MAX_SERVE_QUEUE, SERVE_READ_AHEAD } from './session-limits';
import { MAX_WANT, type WireMessage } from './wire';

export interface ServeCounts {
  objectsSent: number;
  bytesSent: number;
}

export interface ServeLink {
  readonly store: ObjectStore;
  readonly counts: ServeCounts;
  isOpen(): boolean;
  /** Sends one message; may throw (the loop then stops and `fail` is called). */
  write(message: WireMessage): void;
  /** MessageSink.room: a promise while the transport is full. */
  room(): Promise<void> | undefined;
  fail(error: unknown): void;
}

/** A read started ahead of sending; it never rejects (a failure is kept as `error`). */
interface Read {
  readonly address: Address;
  readonly result: Promise<{ bytes?: Uint8Array; error?: Error }>;
}

export class ObjectServer {
  private credit = 0;
  private readonly queue: Address[] = [];
  /** Reads started, oldest first; they count against MAX_SERVE_QUEUE with `queue`. */
  private readonly reads: Read[] = [];
  private running = false;

  constructor(private readonly link: ServeLink) {}

  /** The peer wants these; more than MAX_SERVE_QUEUE queued at once is abuse (`too-large`). */
  want(addresses: readonly Address[]): void {
    if (this.queue.length + this.reads.length + addresses.length > MAX_SERVE_QUEUE) {
      throw new PeerfoldError('too-large', 'the peer wants more objects than it may queue');
    }
    this.queue.push(...addresses);
    this.pump();
  }

  /** The peer granted more bytes of data. */
  grant(bytes: number): void {
    this.credit += bytes;
    this.pump();
  }

  /** Forgets what was asked (the session ended). */
  clear(): void {
    this.queue.length = 0;
    this.reads.length = 0;
  }

  private pump(): void {
    if (this.running || !this.link.isOpen()) return;
    this.running = true;
    this.serve().then(
      () => {
        this.running = false;
      },
      (e: unknown) => {
        this.running = false;
        this.link.fail(e);
      },
    );
  }

  private async serve(): Promise<void> {
    const { link } = this;
    const missing: Address[] = [];
    for (;;) {
      this.readAhead();
      if (this.credit <= 0 || this.reads.length === 0 || !link.isOpen()) break;
      const full = link.room();
      if (full) {
        await full;
        continue;
      }
      const { address, result } = this.reads[0]!;
      const { bytes, error } = await result;
      if (!link.isOpen()) return;
      this.reads.shift();
      if (error !== undefined) throw error;
      if (!bytes) {
        missing.push(address);
        if (missing.length >= MAX_WANT)
          link.write({ type: 'dont-have', addresses: missing.splice(0) });
        continue;
      }
      this.credit -= bytes.length;
      link.counts.objectsSent++;
      link.counts.bytesSent += bytes.length;
      link.write({ type: 'data', address, bytes });
    }
    if (missing.length > 0 && link.isOpen()) link.write({ type: 'dont-have', addresses: missing });
  }

  /** Starts reads of the next wanted objects, up to SERVE_READ_AHEAD at once. */
  private readAhead(): void {
    while (this.reads.length < SERVE_READ_AHEAD && this.queue.length > 0) {
      const address = this.queue.shift()!;
      const result = this.link.store.get(address).then(
        (bytes) => ({ bytes }),
        (error: unknown) => ({
          error: error instanceof Error ? error : new Error(`read failed: ${String(error)}`),
        }),
      );
      this.reads.push({ address, result });
    }
  }
}
