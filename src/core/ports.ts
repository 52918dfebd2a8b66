/**
 * Port interfaces the core and engine are written against. Adapters (in storage/ and net/)
 * implement them; entry points pick the adapters. Contract suites live under test/.
 */
import type { Address } from './objects';

/** Content-addressed object storage: blocks and index nodes, stored as sealed bytes. */
export interface ObjectStore {
  /**
   * The bytes stored at `address`, which hash to it: a store that reads from a disk checks them
   * and treats a torn or corrupt object as missing, so callers need not hash them again. A store
   * may skip the check for what it wrote or checked since it was opened: a torn write needs a
   * crash, so such an object stays good (a peer it is sent to checks it again).
   */
  get(address: Address): Promise<Uint8Array | undefined>;
  has(address: Address): Promise<boolean>;
  /** Stores bytes the caller has verified against `address`. Idempotent. */
  put(address: Address, bytes: Uint8Array): Promise<void>;
}
