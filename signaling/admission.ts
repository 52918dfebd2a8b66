// Connection caps, checked before the WebSocket upgrade: per client address and in total.
import type { ClosedCounters } from './counters';
import type { Limits } from './limits';

export class Admission {
  private readonly byAddress = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly limits: Limits,
    private readonly closed: ClosedCounters,
  ) {}

  /** Takes a slot for `address`; false (and counted) when a cap is reached. */
  admit(address: string): boolean {
    if (this.total >= this.limits.maxConnections) {
      this.closed.refusedTotal++;
      return false;
    }
    const count = this.byAddress.get(address) ?? 0;
    if (count >= this.limits.maxConnectionsPerIp) {
      this.closed.refusedPerIp++;
      return false;
    }
    this.byAddress.set(address, count + 1);
    this.total++;
    return true;
  }

  /** Frees a slot taken by `admit` (once the underlying TCP socket has closed). */
  release(address: string): void {
    const count = this.byAddress.get(address) ?? 0;
    if (count <= 1) this.byAddress.delete(address);
    else this.byAddress.set(address, count - 1);
    this.total--;
  }
}
