// The page's side of the engine API (engine/api.ts): sends commands to the engine's Web Worker
// and keeps the latest status and file list per share for the UI. Events are validated on
// receipt; anything else is dropped.
import { parseEvent, stamp } from '../engine/api';
import type { Command, FileView, FolderSource, PeerView, ShareStatusView } from '../engine/api';

export type { FileView, FolderSource, PeerView, ShareStatusView };

/** A Worker, as far as the client needs one (injected by main.tsx). */
export interface EnginePort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<unknown>) => void): void;
}

/**
 * What finds peers for the open shares and connects them (WebRTC through the trackers; the page
 * owns the connections because a worker cannot make them). Injected by main.tsx.
 */
export interface PeerIntroducer {
  /** Start finding peers for `share`; `wanted()` says whether it takes peers right now. */
  join(share: string, wanted: () => boolean): void;
  leave(share: string): void;
  /** The share's engine began taking peers (look for some now). */
  wake(share: string): void;
  /** The engine is done with connection `link`: close it. */
  linkEnded(share: string, link: number): void;
}

/** Phases in which a share's engine runs and takes peers. */
const RUNNING = new Set(['scanning', 'writing', 'receiving', 'up-to-date']);

export interface FileListing {
  readonly files: readonly FileView[];
  readonly more: number;
}

interface Reply {
  ok: boolean;
  problem?: string;
  blob?: Blob;
  name?: string;
}

export class EngineClient {
  private readonly statuses = new Map<string, ShareStatusView>();
  private readonly listings = new Map<string, FileListing>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private nextRequest = 1;
  private introducer: PeerIntroducer | undefined;
  /** Set when the worker could not start. */
  failed: string | undefined;

  constructor(private readonly port: EnginePort) {
    port.addEventListener('message', (message) => {
      const event = parseEvent(message.data);
      if (!event) return;
      if (event.type === 'status') {
        const was = RUNNING.has(this.statuses.get(event.share)?.phase ?? '');
        this.statuses.set(event.share, event.status);
        if (!was && RUNNING.has(event.status.phase)) this.introducer?.wake(event.share);
        this.changed(event.share);
      } else if (event.type === 'files') {
        this.listings.set(event.share, { files: event.files, more: event.more });
        this.changed(event.share);
      } else if (event.type === 'link-ended') {
        this.introducer?.linkEnded(event.share, event.link);
      } else if (event.type === 'reply') {
        this.waiting.get(event.request)?.(event);
        this.waiting.delete(event.request);
      } else if (event.type === 'failed') {
        this.failed = event.message;
        for (const answer of this.waiting.values()) answer({ ok: false, problem: this.problem() });
        this.waiting.clear();
        for (const id of this.listeners.keys()) this.changed(id);
      }
    });
  }

  /** Lets `introducer` find peers for every share opened from now on. */
  usePeers(introducer: PeerIntroducer): void {
    this.introducer = introducer;
  }

  /** Hands a WebRTC data channel to the share's engine (transferred: call it in the task the channel was made). */
  channel(share: string, link: number, initiator: boolean, channel: Transferable): void {
    this.port.postMessage(stamp({ type: 'channel', share, link, initiator, channel } as Command), [
      channel,
    ]);
  }

  status(share: string): ShareStatusView | undefined {
    return this.statuses.get(share);
  }

  files(share: string): FileListing | undefined {
    return this.listings.get(share);
  }

  /** Calls `listener` whenever the share's status or files change; returns the unsubscribe. */
  subscribe(share: string, listener: () => void): () => void {
    let set = this.listeners.get(share);
    if (!set) this.listeners.set(share, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  open(
    share: string,
    capability: string,
    folder: FolderSource,
    permitted: boolean,
    replaced = false,
  ) {
    this.send({ type: 'open', share, capability, folder, permitted, replaced });
    this.introducer?.join(share, () => RUNNING.has(this.statuses.get(share)?.phase ?? ''));
  }

  permission(share: string, permitted: boolean): void {
    this.send({ type: 'permission', share, permitted });
  }

  /** Rescans one share now, or all (the page got the focus). */
  rescan(share?: string): void {
    this.send(share === undefined ? { type: 'rescan' } : { type: 'rescan', share });
  }

  list(share: string): void {
    this.send({ type: 'list', share });
  }

  /** Stops the share's engine and deletes its browser state. */
  async leave(share: string): Promise<void> {
    // After the worker agreed: a leave it refuses (another tab runs the share) keeps its peers.
    await this.request((request) => ({ type: 'leave', share, request }));
    this.introducer?.leave(share);
    this.statuses.delete(share);
    this.listings.delete(share);
  }

  async import(share: string, paths: string[], files: Blob[]): Promise<void> {
    await this.request((request) => ({ type: 'import', share, request, paths, files }));
  }

  /** One file (by path) or the whole folder as a zip. */
  async export(share: string, path?: string): Promise<{ blob: Blob; name?: string }> {
    const reply = await this.request((request) =>
      path === undefined
        ? { type: 'export', share, request }
        : { type: 'export', share, request, path },
    );
    if (!reply.blob) throw new Error('The export came back empty.');
    return { blob: reply.blob, name: reply.name };
  }

  private problem(): string {
    return `Sync could not start in this browser: ${this.failed ?? 'unknown trouble'}.`;
  }

  private request(make: (request: number) => Command): Promise<Reply> {
    const request = this.nextRequest++;
    if (this.failed) return Promise.reject(new Error(this.problem()));
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(request, (reply) =>
        reply.ok ? resolve(reply) : reject(new Error(reply.problem ?? 'It did not work.')),
      );
      this.send(make(request));
    });
  }

  private send(command: Command): void {
    this.port.postMessage(stamp(command));
  }

  private changed(share: string): void {
    for (const listener of this.listeners.get(share) ?? []) listener();
  }
}
