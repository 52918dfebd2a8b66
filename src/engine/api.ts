/**
 * The message protocol between the page and the engine's Web Worker (DESIGN.md section 7):
 * commands go to the worker, events come back. Every message is a plain structured-cloneable
 * object carrying `v` (the protocol version), and each side validates what it receives
 * (`parseCommand`, `parseEvent`) before acting on it: a message of another version or shape is
 * dropped, never half-used. Folder handles and Files travel as themselves (both clone).
 *
 * A capability crosses this boundary only inside `open`; no event carries one back.
 *
 * WebRTC: a dedicated worker has no RTCPeerConnection, so the page makes the connections and
 * transfers each raw data channel here (`channel`, with the channel in the transfer list);
 * the worker says when it is done with one (`link-ended`) so the page closes its connection.
 */
import { hasFields, isBlob, isDataChannel, isFolderHandle, isObject } from './api-check';
import { isStringArray } from './api-check';

export const ENGINE_API_VERSION = 1;

/** A FileSystemDirectoryHandle, seen only as much as the protocol needs. */
export interface FolderHandleLike {
  readonly kind: 'directory';
  readonly name: string;
}

/** Where a share's files live: a picked folder, the browser's private storage, or nowhere yet. */
export type FolderSource =
  | { readonly kind: 'picked'; readonly handle: FolderHandleLike }
  | { readonly kind: 'private' }
  | { readonly kind: 'none' };

export type Command =
  | {
      readonly type: 'open';
      readonly share: string;
      readonly capability: string;
      readonly folder: FolderSource;
      /** Whether the page holds read-write permission for a picked folder. */
      readonly permitted: boolean;
      /** The folder replaces another one: forget what the old folder held (not the share). */
      readonly replaced: boolean;
    }
  | { readonly type: 'permission'; readonly share: string; readonly permitted: boolean }
  /** Rescan one share, or every share (the page got the focus). */
  | { readonly type: 'rescan'; readonly share?: string }
  | { readonly type: 'list'; readonly share: string }
  | { readonly type: 'leave'; readonly share: string; readonly request: number }
  | {
      readonly type: 'import';
      readonly share: string;
      readonly request: number;
      /** Paths relative to the folder ('/'-separated) and the Files to write there. */
      readonly paths: readonly string[];
      readonly files: readonly Blob[];
    }
  /** One file (path) or the whole folder as a zip (no path). */
  | {
      readonly type: 'export';
      readonly share: string;
      readonly request: number;
      readonly path?: string;
    }
  /** A WebRTC data channel the page connected (or is connecting) for the share. */
  | {
      readonly type: 'channel';
      readonly share: string;
      /** The page's number for the connection, echoed in `link-ended`. */
      readonly link: number;
      /** This side made the offer: it starts the BitTorrent handshake. */
      readonly initiator: boolean;
      readonly channel: DataChannelLike;
    };

/** An RTCDataChannel as structured clone delivers it (typed loosely: no DOM types here). */
export interface DataChannelLike {
  readonly label: string;
  readonly readyState: string;
}

export type Phase =
  | 'starting'
  | 'no-folder'
  | 'scanning'
  /** Writing what was received into the folder. */
  | 'writing'
  /** Receiving a newer version from peers. */
  | 'receiving'
  | 'up-to-date'
  | 'paused'
  | 'error';

export type PauseReason =
  'no-permission' | 'missing-root' | 'missing-marker' | 'over-quota' | 'other-tab';

export interface ScanProgress {
  /** Files and directories listed in this pass so far. */
  readonly listed: number;
  /** Files read (hashed, chunked, sealed) in this pass, the one being read included. */
  readonly reading: number;
  readonly bytesRead: number;
  /** Bytes of the files read so far plus the one being read. */
  readonly bytesToRead: number;
}

/** The last finished scan's reading work, measured inside the worker. */
export interface ScanTiming {
  readonly files: number;
  readonly bytes: number;
  readonly ms: number;
}

export interface ShareCounts {
  readonly files: number;
  readonly folders: number;
  readonly bytes: number;
  readonly conflicts: number;
}

export interface ShareStatusView {
  readonly phase: Phase;
  readonly reason?: PauseReason;
  /** Plain words for an error (never a capability). */
  readonly message?: string;
  readonly progress?: ScanProgress;
  readonly lastScan?: ScanTiming;
  /** The folder's contents as indexed (absent for a Store copy, which cannot read them). */
  readonly counts?: ShareCounts;
  /** Signed versions of the share this browser holds. */
  readonly versions?: number;
  /** Peers that proved the share. */
  readonly peers: number;
  /** Every connection, proven or still handshaking. */
  readonly peerList?: readonly PeerView[];
  /** While receiving: what came and what is still missing. */
  readonly transfer?: TransferView;
  /** Origin storage used and granted, where the browser says (navigator.storage.estimate). */
  readonly storage?: { readonly usage: number; readonly quota: number };
}

export interface PeerView {
  readonly transport: 'webrtc' | 'tcp' | 'utp';
  /** 'out': this browser made the offer. */
  readonly direction: 'in' | 'out';
  readonly state: 'handshake' | 'open';
  /** The capability the peer proved (display only). */
  readonly role?: 'write' | 'read' | 'store';
  readonly bytesReceived: number;
  readonly bytesSent: number;
}

export interface TransferView {
  /** Objects known to be missing (grows as index nodes arrive). */
  readonly objectsPending: number;
  /** Received since this round of receiving began. */
  readonly bytesReceived: number;
  /** A guess at the bytes still to come (see core/sync-progress.ts). */
  readonly bytesPendingEstimate: number;
  /** Bytes per second over the last few seconds. */
  readonly bytesPerSecond: number;
}

/** 'recorded': in this share's newest version here; 'local': only in this folder. */
export type FileState = 'recorded' | 'local';

export interface FileView {
  readonly path: string;
  readonly kind: 'file' | 'dir';
  readonly size: number;
  readonly mtime: number;
  readonly state: FileState;
  /** For a conflict copy: the path it is a copy of. */
  readonly conflictOf?: string;
}

export type EngineEvent =
  | { readonly type: 'ready' }
  /** The worker could not start (e.g. WebAssembly blocked). */
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'status'; readonly share: string; readonly status: ShareStatusView }
  | {
      readonly type: 'files';
      readonly share: string;
      readonly files: readonly FileView[];
      /** Entries left out to keep the message small. */
      readonly more: number;
    }
  /** The worker is done with a data channel: the page closes its connection. */
  | { readonly type: 'link-ended'; readonly share: string; readonly link: number }
  | {
      readonly type: 'reply';
      readonly request: number;
      readonly ok: boolean;
      readonly problem?: string;
      /** An export's bytes and file name. */
      readonly blob?: Blob;
      readonly name?: string;
    };

/** A message as sent: the version stamped on. */
export type Versioned<T> = T & { readonly v: typeof ENGINE_API_VERSION };

export function stamp<T extends Command | EngineEvent>(message: T): Versioned<T> {
  return { ...message, v: ENGINE_API_VERSION };
}

const SHARE_ID = /^[0-9a-f]{40}$/;
const isShare = (x: unknown): boolean => typeof x === 'string' && SHARE_ID.test(x);
const isRequest = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;

function isFolderSource(x: unknown): x is FolderSource {
  if (!isObject(x)) return false;
  if (x.kind === 'private' || x.kind === 'none') return true;
  return x.kind === 'picked' && isFolderHandle(x.handle);
}

/** The command in `data`, or undefined if it is not one of this version. */
export function parseCommand(data: unknown): Command | undefined {
  if (!isObject(data) || data.v !== ENGINE_API_VERSION) return undefined;
  const ok = ((): boolean => {
    switch (data.type) {
      case 'open':
        return (
          isShare(data.share) &&
          hasFields(data, { capability: 'string', permitted: 'boolean', replaced: 'boolean' }) &&
          isFolderSource(data.folder)
        );
      case 'permission':
        return isShare(data.share) && typeof data.permitted === 'boolean';
      case 'rescan':
        return data.share === undefined || isShare(data.share);
      case 'list':
        return isShare(data.share);
      case 'leave':
        return isShare(data.share) && isRequest(data.request);
      case 'import':
        return (
          isShare(data.share) &&
          isRequest(data.request) &&
          isStringArray(data.paths) &&
          Array.isArray(data.files) &&
          data.files.length === data.paths.length &&
          data.files.every(isBlob)
        );
      case 'export':
        return (
          isShare(data.share) &&
          isRequest(data.request) &&
          (data.path === undefined || typeof data.path === 'string')
        );
      case 'channel':
        return (
          isShare(data.share) &&
          isRequest(data.link) &&
          typeof data.initiator === 'boolean' &&
          isDataChannel(data.channel)
        );
      default:
        return false;
    }
  })();
  return ok ? (data as unknown as Command) : undefined;
}

/** The event in `data`, or undefined if it is not one of this version. */
export function parseEvent(data: unknown): EngineEvent | undefined {
  if (!isObject(data) || data.v !== ENGINE_API_VERSION) return undefined;
  const ok = ((): boolean => {
    switch (data.type) {
      case 'ready':
        return true;
      case 'failed':
        return typeof data.message === 'string';
      case 'status':
        return (
          isShare(data.share) && isObject(data.status) && typeof data.status.phase === 'string'
        );
      case 'files':
        return (
          isShare(data.share) &&
          Array.isArray(data.files) &&
          data.files.every((f) => isObject(f) && hasFields(f, FILE_FIELDS)) &&
          typeof data.more === 'number'
        );
      case 'link-ended':
        return isShare(data.share) && isRequest(data.link);
      case 'reply':
        return (
          isRequest(data.request) &&
          typeof data.ok === 'boolean' &&
          (data.blob === undefined || isBlob(data.blob))
        );
      default:
        return false;
    }
  })();
  return ok ? (data as unknown as EngineEvent) : undefined;
}

const FILE_FIELDS = {
  path: 'string',
  kind: 'string',
  size: 'number',
  mtime: 'number',
  state: 'string',
} as const;
