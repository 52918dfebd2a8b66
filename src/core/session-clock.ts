/**
 * A session's deadlines, measured only in the times passed to `check` (core keeps no clock).
 * The handshake must finish within HANDSHAKE_MS of the first check; while wants are in flight,
 * the peer must answer one (data or dont-have) at least every STALL_MS. A quiet span is
 * measured from a check that already saw it, so a deadline never fires early; it fires at most
 * two check intervals late.
 */
import { HANDSHAKE_MS, STALL_MS } from './session-limits';

export class SessionClock {
  private helloSince: number | undefined;
  private quietSince: number | undefined;
  /** The peer answered a want, or a new wait for answers began, since the last check. */
  private progressed = false;

  /** Called when the peer answers a want, and when wants go out while none were in flight. */
  progress(): void {
    this.progressed = true;
  }

  /**
   * Why the session should end at `now`, or undefined. `waiting` is the number of wants in
   * flight that the peer alone can answer (zero while this side is still storing data).
   */
  check(now: number, open: boolean, waiting: number): string | undefined {
    if (!open) {
      this.helloSince ??= now;
      return now - this.helloSince >= HANDSHAKE_MS
        ? 'the peer did not prove it holds the share in time'
        : undefined;
    }
    if (this.progressed || waiting === 0 || this.quietSince === undefined) {
      this.quietSince = now;
      this.progressed = false;
      return undefined;
    }
    const quiet = now - this.quietSince;
    return quiet >= STALL_MS
      ? `the peer answered none of ${waiting} wants in ${Math.round(quiet / 1000)} s`
      : undefined;
  }
}
