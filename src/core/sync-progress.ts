/**
 * What a status line can say about a replica receiving heads: "syncing N objects, X of ~Y bytes".
 * Counts are exact; the byte total is an estimate, because an object's size is known only once
 * it arrives, and objects below an index node are known only once that node arrives.
 */
import { DEFAULT_CHUNKING } from './chunker';

export interface SyncProgress {
  /** Received heads whose trees are still being completed (exact). */
  readonly headsPending: number;
  /** Objects known to be missing now (exact; grows as arriving index nodes reveal more). */
  readonly objectsPending: number;
  /** Of those, objects requested from a peer and not yet delivered (exact). */
  readonly objectsInFlight: number;
  /** Objects stored from peers since the replica was last complete (exact). */
  readonly objectsReceived: number;
  /** Bytes of those objects (exact). */
  readonly bytesReceived: number;
  /**
   * Estimate of the bytes the pending objects will add: `objectsPending` times the mean size of
   * the objects received so far (the chunker's average block size before the first one). Still
   * a guess at the remaining total, since objects under unfetched nodes are not counted yet.
   */
  readonly bytesPendingEstimate: number;
}

/** Running counters behind SyncProgress, kept by the replica. */
export class ProgressCounter {
  private objects = 0;
  private bytes = 0;
  private lifetimeObjects = 0;
  private lifetimeBytes = 0;

  /** A new round of receiving starts (the replica was complete): counts start from zero. */
  restart(): void {
    this.objects = 0;
    this.bytes = 0;
  }

  received(bytes: number): void {
    this.objects++;
    this.bytes += bytes;
    this.lifetimeObjects++;
    this.lifetimeBytes += bytes;
  }

  snapshot(headsPending: number, objectsPending: number, objectsInFlight: number): SyncProgress {
    const mean =
      this.lifetimeObjects > 0 ? this.lifetimeBytes / this.lifetimeObjects : DEFAULT_CHUNKING.avg;
    return {
      headsPending,
      objectsPending,
      objectsInFlight,
      objectsReceived: this.objects,
      bytesReceived: this.bytes,
      bytesPendingEstimate: Math.round(objectsPending * mean),
    };
  }
}
