/**
 * A session's receive queue: steps run one at a time, in arrival order, each after the one
 * before it has finished (storing an object is asynchronous). What waits is counted, so a peer
 * that floods is cut off at arrival (`too-large`) before it costs more memory, and so the
 * session's deadlines can tell a silent peer from a side still busy storing what it sent.
 */
import { PeerfoldError } from './errors';
import { MAX_QUEUED_CONTROL_BYTES } from './session-limits';

export class Inbox {
  private chain: Promise<void> = Promise.resolve();
  private controlBytes = 0;
  private dataSteps = 0;

  constructor(
    private readonly isClosed: () => boolean,
    private readonly fail: (error: unknown) => void,
  ) {}

  /** `data` messages received and not yet handled (stored). */
  get dataWaiting(): number {
    return this.dataSteps;
  }

  /** Throws `too-large` if a control message of `size` bytes would pass the queue limit. */
  admitControl(size: number): void {
    if (this.controlBytes + size > MAX_QUEUED_CONTROL_BYTES) {
      throw new PeerfoldError('too-large', 'the peer sent more messages than this side queues');
    }
  }

  /** Runs `step` after the steps before it, unless the session closed; a throw fails it. */
  push(step: () => void | Promise<void>, kind: { controlBytes?: number; data?: boolean }): void {
    const control = kind.controlBytes ?? 0;
    const data = kind.data ? 1 : 0;
    this.controlBytes += control;
    this.dataSteps += data;
    this.chain = this.chain
      .then(() => (this.isClosed() ? undefined : step()))
      .catch((e: unknown) => this.fail(e))
      .finally(() => {
        this.controlBytes -= control;
        this.dataSteps -= data;
      });
  }

  /** Resolves once every step pushed so far has run. */
  idle(): Promise<void> {
    return this.chain;
  }
}
