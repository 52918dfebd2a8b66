/**
 * The worker's side of the engine API (engine/api.ts): one ShareRunner per share the page
 * opened, commands dispatched to them, replies and events posted back. A capability is parsed
 * here and kept in memory only; no event or problem text carries it.
 */
import { parseCapability } from '../core/capability';
import { isPeerfoldError, PeerfoldError } from '../core/errors';
import { stamp, type Command, type EngineEvent, type Versioned } from '../engine/api';
import { exportFile, exportZip, importFiles } from './share-files';
import { ShareLock } from './share-lock';
import { ShareRunner } from './share-runner';
import { destroyShareStorage, lockName } from './share-storage';

export type Post = (event: Versioned<EngineEvent>) => void;

export class WorkerHost {
  private readonly shares = new Map<string, ShareRunner>();
  /** The capability text each runner was made with (a stronger one replaces the runner). */
  private readonly texts = new WeakMap<ShareRunner, string>();

  constructor(private readonly post: Post) {}

  handle(command: Command): void {
    switch (command.type) {
      case 'open':
        return this.open(command);
      case 'permission':
        return this.quietly(this.shares.get(command.share)?.setPermission(command.permitted));
      case 'rescan':
        for (const [id, runner] of this.shares) {
          if (command.share === undefined || command.share === id) runner.rescan();
        }
        return;
      case 'list':
        return this.quietly(this.shares.get(command.share)?.view.refresh());
      case 'leave':
        return this.answer(command.request, async () => {
          const runner = this.shares.get(command.share);
          this.shares.delete(command.share);
          if (runner && !(await runner.leave())) {
            this.shares.set(command.share, runner); // untouched: it runs in another tab
            throw openElsewhere();
          }
          if (!runner) await destroyUnopened(command.share);
          return {};
        });
      case 'import':
        return this.answer(command.request, async () => {
          const runner = this.runner(command.share);
          await importFiles(this.driveOf(runner), command.paths, command.files);
          runner.sync();
          return {};
        });
      case 'channel': {
        const channel = command.channel as unknown as RTCDataChannel;
        const runner = this.shares.get(command.share);
        if (runner) return runner.takeChannel(command.link, command.initiator, channel);
        channel.close();
        return this.emit({ type: 'link-ended', share: command.share, link: command.link });
      }
      case 'export':
        return this.answer(command.request, async () => {
          const drive = this.driveOf(this.runner(command.share));
          if (command.path !== undefined) return exportFile(drive, command.path);
          return { blob: await exportZip(drive) };
        });
    }
  }

  private open(command: Extract<Command, { type: 'open' }>): void {
    let runner = this.shares.get(command.share);
    if (runner && this.texts.get(runner) !== command.capability) {
      const old = runner;
      this.shares.delete(command.share);
      void old.stop().then(
        () => this.open(command),
        () => this.open(command),
      );
      return;
    }
    if (!runner) {
      let cap;
      try {
        cap = parseCapability(command.capability);
      } catch {
        return this.emit({
          type: 'status',
          share: command.share,
          status: { phase: 'error', message: 'This share’s link could not be read.', peers: 0 },
        });
      }
      const share = command.share;
      runner = new ShareRunner(share, cap, {
        status: (status) => this.emit({ type: 'status', share, status }),
        files: (files, more) => this.emit({ type: 'files', share, files, more }),
        linkEnded: (link) => this.emit({ type: 'link-ended', share, link }),
      });
      this.shares.set(share, runner);
      this.texts.set(runner, command.capability);
    }
    this.quietly(runner.configure(command.folder, command.permitted, command.replaced));
  }

  private runner(id: string): ShareRunner {
    const runner = this.shares.get(id);
    if (!runner) throw new Error('This share is not open in this tab.');
    return runner;
  }

  private driveOf(runner: ShareRunner) {
    const drive = runner.drive;
    if (!drive) throw new Error('The share’s folder is not open: see its status above.');
    return drive;
  }

  private answer(request: number, task: () => Promise<{ blob?: Blob; name?: string }>): void {
    task().then(
      (result) => this.emit({ type: 'reply', request, ok: true, ...result }),
      (e: unknown) => this.emit({ type: 'reply', request, ok: false, problem: problemText(e) }),
    );
  }

  /** Lifecycle trouble is shown through the share's status; this keeps it from going unseen. */
  private quietly(work: Promise<void> | undefined): void {
    work?.catch((e: unknown) => console.warn('peerfold worker:', problemText(e)));
  }

  private emit(event: EngineEvent): void {
    this.post(stamp(event));
  }
}

const openElsewhere = (): PeerfoldError =>
  new PeerfoldError('changed', 'the share is open in another tab', false);

/** Deletes the storage of a share this tab does not run, unless another tab runs it now. */
async function destroyUnopened(id: string): Promise<void> {
  const lock = new ShareLock(lockName(id));
  if (!(await lock.tryTake())) throw openElsewhere();
  try {
    await destroyShareStorage(id, false);
  } finally {
    lock.release();
  }
}

function problemText(e: unknown): string {
  if (isPeerfoldError(e, 'paused')) return 'The folder is paused: see the share’s status.';
  if (isPeerfoldError(e, 'no-space')) return 'Not enough storage space for this.';
  if (e instanceof RangeError) return `${e.message}. Export the files one by one instead.`;
  return e instanceof Error ? e.message : String(e);
}
