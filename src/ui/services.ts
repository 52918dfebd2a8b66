// What the UI needs from the platform and the core, injected by src/main.tsx (DESIGN.md
// section 1: the UI takes only types from core; behaviour comes through these interfaces).
import type { Role } from '../core/capability';
import type { EngineClient } from './engine-client';

export type { Role };

/** A capability the core accepted: its text, role and the share's public id. */
export interface CheckedCapability {
  /** The canonical text form (`pfwrite1...`, `pfread1...`, `pfstore1...`). */
  readonly text: string;
  readonly role: Role;
  /** Hex of the discovery key: public, the same for every role of one share. */
  readonly shareId: string;
}

export type CapabilityCheck =
  | { readonly ok: true; readonly capability: CheckedCapability }
  | { readonly ok: false; readonly problem: string };

/** The links a role may derive, each `origin/#capability`. */
export interface ShareLinks {
  readonly write?: string;
  readonly read?: string;
  readonly store?: string;
}

export interface CapabilityService {
  /** A new share's Write capability, from fresh randomness. */
  create(): CheckedCapability;
  /** Parses text or a link; a problem is one sentence naming what is wrong (no secret in it). */
  check(input: string): CapabilityCheck;
  links(capabilityText: string, origin: string): ShareLinks;
}

/** The few IndexedDB operations the share book needs (idb-keyval in the browser). */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
}

export type FolderPermission = 'granted' | 'prompt' | 'denied';

/** A folder on disk, as the File System Access API hands it out (structured-cloneable). */
export interface FolderHandle {
  readonly kind: 'directory';
  readonly name: string;
}

export interface FolderAccess {
  /** Whether this browser has a folder picker (`showDirectoryPicker`). */
  readonly canPick: boolean;
  /** Opens the picker; undefined when the user cancels it. */
  pick(): Promise<FolderHandle | undefined>;
  permission(handle: FolderHandle): Promise<FolderPermission>;
  /** Asks again for read-write access; must run inside a click. */
  requestPermission(handle: FolderHandle): Promise<FolderPermission>;
}

export interface Clipboard {
  copy(text: string): Promise<void>;
}

export interface StoragePersistence {
  /** Asks the browser not to evict this site's storage; true if it agreed. */
  request(): Promise<boolean>;
}

export interface AppServices {
  readonly capabilities: CapabilityService;
  readonly store: KeyValueStore;
  readonly folders: FolderAccess;
  readonly clipboard: Clipboard;
  readonly persistence: StoragePersistence;
  /** The sync engine, running in a Web Worker. */
  readonly engine: EngineClient;
  /** `https://host`, for the links this device hands out. */
  readonly origin: string;
}
