// The shares this browser holds, persisted in IndexedDB through the injected KeyValueStore.
// One share is kept once, under its public id, with the strongest capability seen for it.
import type { CheckedCapability, FolderHandle, KeyValueStore, Role } from './services';

export interface ShareRecord {
  readonly id: string;
  readonly name: string;
  readonly capability: string;
  readonly role: Role;
  readonly addedAt: number;
}

/** What adding a capability did: a new share, a stronger role, or nothing new. */
export type AddOutcome = 'added' | 'upgraded' | 'already-held';

const SHARES_KEY = 'shares/v1';
const folderKey = (id: string) => `folder/v1/${id}`;
const RANK: Record<Role, number> = { store: 0, read: 1, write: 2 };

export class ShareBook {
  constructor(private readonly store: KeyValueStore) {}

  async list(): Promise<ShareRecord[]> {
    const shares = (await this.store.get<ShareRecord[]>(SHARES_KEY)) ?? [];
    return Array.isArray(shares) ? shares.filter(isShareRecord) : [];
  }

  async find(id: string): Promise<ShareRecord | undefined> {
    return (await this.list()).find((s) => s.id === id);
  }

  /** Keeps the stronger of a held capability and a newly opened one for the same share. */
  async add(
    cap: CheckedCapability,
    name: string,
  ): Promise<{ outcome: AddOutcome; share: ShareRecord }> {
    const shares = await this.list();
    const held = shares.find((s) => s.id === cap.shareId);
    if (held && RANK[held.role] >= RANK[cap.role]) return { outcome: 'already-held', share: held };
    const share: ShareRecord = held
      ? { ...held, capability: cap.text, role: cap.role }
      : { id: cap.shareId, name, capability: cap.text, role: cap.role, addedAt: Date.now() };
    const next = held ? shares.map((s) => (s.id === share.id ? share : s)) : [...shares, share];
    await this.store.set(SHARES_KEY, next);
    return { outcome: held ? 'upgraded' : 'added', share };
  }

  /** Forgets the share and its folder choice; files in the folder are never touched. */
  async remove(id: string): Promise<void> {
    const shares = await this.list();
    await this.store.set(
      SHARES_KEY,
      shares.filter((s) => s.id !== id),
    );
    await this.store.del(folderKey(id));
  }

  async folder(id: string): Promise<FolderHandle | undefined> {
    return this.store.get<FolderHandle>(folderKey(id));
  }

  async setFolder(id: string, handle: FolderHandle): Promise<void> {
    await this.store.set(folderKey(id), handle);
  }
}

function isShareRecord(value: unknown): value is ShareRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.id === 'string' &&
    typeof r.name === 'string' &&
    typeof r.capability === 'string' &&
    (r.role === 'write' || r.role === 'read' || r.role === 'store')
  );
}
