/**
 * What a ShareEngine keeps in its StateStore between runs: `local/root` (the local index root),
 * `local/floor` (the device's highest counter, JSON), `local/stamps` (the files' change tokens
 * as last read, JSON `{path: token}`; lost or stale ones only cost a re-read) and
 * `heads/<id hex>` (every known head, in its encoded wire form, verified again when loaded).
 */
import { toHex } from '../core/bytes';
import { getJson, putJson, type StateStore } from '../core/drive';
import { decodeSignedHead, encodeSignedHead, type SignedHead } from '../core/head';
import type { Address } from '../core/objects';

const ROOT_KEY = 'local/root';
const FLOOR_KEY = 'local/floor';
const STAMPS_KEY = 'local/stamps';
const HEADS = 'heads/';

export class ShareState {
  /** Ids (hex) of the heads already written. */
  private readonly saved = new Set<string>();

  constructor(private readonly state: StateStore) {}

  /** Every stored head, verified with the share's public key. */
  async loadHeads(publicKey: Uint8Array): Promise<SignedHead[]> {
    const heads: SignedHead[] = [];
    for (const key of await this.state.keys(HEADS)) {
      const bytes = await this.state.get(key);
      if (!bytes) continue;
      const head = decodeSignedHead(publicKey, bytes);
      this.saved.add(toHex(head.id));
      heads.push(head);
    }
    return heads;
  }

  /** The local index root and device floor, if the folder was ever synced. */
  async loadLocal(): Promise<{ root: Address | undefined; floor: number }> {
    const root = await this.state.get(ROOT_KEY);
    const floor = await getJson(this.state, FLOOR_KEY);
    return { root, floor: typeof floor === 'number' ? floor : 0 };
  }

  async saveLocal(root: Address, floor: number): Promise<void> {
    await this.state.put(ROOT_KEY, root);
    await putJson(this.state, FLOOR_KEY, floor);
  }

  /** The change tokens saved by the last scan (empty if none or unreadable). */
  async loadStamps(): Promise<Map<string, string>> {
    const json = await getJson(this.state, STAMPS_KEY).catch(() => undefined);
    const stamps = new Map<string, string>();
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return stamps;
    for (const [path, token] of Object.entries(json)) {
      if (typeof token === 'string') stamps.set(path, token);
    }
    return stamps;
  }

  async saveStamps(stamps: ReadonlyMap<string, string>): Promise<void> {
    await putJson(this.state, STAMPS_KEY, Object.fromEntries(stamps));
  }

  /** Writes the heads not written yet. */
  async saveHeads(heads: readonly SignedHead[]): Promise<void> {
    for (const head of heads) {
      const id = toHex(head.id);
      if (this.saved.has(id)) continue;
      await this.state.put(`${HEADS}${id}`, encodeSignedHead(head));
      this.saved.add(id);
    }
  }
}
