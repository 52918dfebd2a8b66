/**
 * The sending half of a session: objects the peer wanted, sent in order while the credit it
 * granted lasts (docs/PROTOCOL.md section 9). What this side does not hold is answered with
 * `dont-have`. One send loop runs at a time.
 */
import { PeerfoldError } from './errors';
import type { Address } from './objects';
import type { ObjectStore } from './ports';
import { MAX_SERVE_QUEUE } from './session-limits';
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
  fail(error: unknown): void;
}

export class ObjectServer {
  private credit = 0;
  private readonly queue: Address[] = [];
  private running = false;

  constructor(private readonly link: ServeLink) {}

  /** The peer wants these; more than MAX_SERVE_QUEUE queued at once is abuse (`too-large`). */
  want(addresses: readonly Address[]): void {
    if (this.queue.length + addresses.length > MAX_SERVE_QUEUE) {
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
    while (this.credit > 0 && this.queue.length > 0 && link.isOpen()) {
      const address = this.queue.shift()!;
      const bytes = await link.store.get(address);
      if (!link.isOpen()) return;
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
}
