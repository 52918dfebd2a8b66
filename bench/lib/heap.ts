/**
 * The JavaScript memory of a Chromium page and of its workers (the engine's worker, where files
 * are read, sealed, fetched and written), sampled through the DevTools protocol's
 * Runtime.getHeapUsage while a transfer runs. A figure is the heap's used size plus the
 * ArrayBuffer backing stores outside it (file pieces live there), summed over the workers; the
 * peak of each sample is kept.
 */
import type { CDPSession, Page } from 'playwright';
import type { BenchBrowser } from './chromium';

interface HeapUsage {
  readonly usedSize: number;
  readonly backingStorageSize?: number;
}

const held = (u: HeapUsage): number => u.usedSize + (u.backingStorageSize ?? 0);

export interface HeapPeaks {
  /** The workers' heaps and ArrayBuffers, summed, at their highest sample (bytes). */
  readonly workers: number;
  /** The workers' heaps alone (no ArrayBuffers) at their highest sample. */
  readonly workersHeapOnly: number;
  /** The page's main thread, heap and ArrayBuffers. */
  readonly page: number;
  readonly samples: number;
}

export class HeapSampler {
  private readonly workers = new Map<string, string>(); // targetId -> sessionId
  private readonly replies = new Map<number, (usage: HeapUsage) => void>();
  private nextId = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private peaks = { workers: 0, workersHeapOnly: 0, page: 0, samples: 0 };

  private constructor(
    private readonly browserSession: CDPSession,
    private readonly pageSession: CDPSession,
  ) {
    // Workers are attached unflattened: their replies arrive wrapped, through the browser session.
    browserSession.on('Target.receivedMessageFromTarget', (e) => {
      const message = JSON.parse(e.message) as { id?: number; result?: HeapUsage };
      if (message.id !== undefined && message.result)
        this.replies.get(message.id)?.(message.result);
    });
  }

  /** Samples `page` and every worker of its browser each `intervalMs` until `stop`. */
  static async start(browser: BenchBrowser, page: Page, intervalMs = 250): Promise<HeapSampler> {
    const sampler = new HeapSampler(
      await browser.browser.newBrowserCDPSession(),
      await page.context().newCDPSession(page),
    );
    const tick = (): void => {
      if (sampler.stopped) return;
      sampler.timer = setTimeout(() => void sampler.sample().then(tick, tick), intervalMs);
    };
    await sampler.sample();
    tick();
    return sampler;
  }

  /** Stops sampling (after one last sample) and returns the peaks. */
  async stop(): Promise<HeapPeaks> {
    if (this.stopped) return { ...this.peaks };
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sample().catch(() => undefined);
    await Promise.all([this.browserSession.detach(), this.pageSession.detach()]).catch(() => {});
    return { ...this.peaks };
  }

  private async sample(): Promise<void> {
    const { targetInfos } = await this.browserSession.send('Target.getTargets');
    for (const t of targetInfos) {
      if (t.type !== 'worker' || this.workers.has(t.targetId)) continue;
      const { sessionId } = await this.browserSession.send('Target.attachToTarget', {
        targetId: t.targetId,
        flatten: false,
      });
      this.workers.set(t.targetId, sessionId);
    }
    const alive = new Set(targetInfos.map((t) => t.targetId));
    const usages = await Promise.all(
      [...this.workers].filter(([id]) => alive.has(id)).map(([, s]) => this.workerUsage(s)),
    );
    const page = (await this.pageSession.send('Runtime.getHeapUsage')) as HeapUsage;
    const sum = (f: (u: HeapUsage) => number): number => usages.reduce((n, u) => n + f(u), 0);
    this.peaks = {
      workers: Math.max(this.peaks.workers, sum(held)),
      workersHeapOnly: Math.max(
        this.peaks.workersHeapOnly,
        sum((u) => u.usedSize),
      ),
      page: Math.max(this.peaks.page, held(page)),
      samples: this.peaks.samples + 1,
    };
  }

  /** Runtime.getHeapUsage in a worker; a worker that has gone answers 0 after a second. */
  private workerUsage(sessionId: string): Promise<HeapUsage> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish({ usedSize: 0 }), 1000);
      const finish = (u: HeapUsage): void => {
        clearTimeout(timer);
        this.replies.delete(id);
        resolve(u);
      };
      this.replies.set(id, finish);
      const message = JSON.stringify({ id, method: 'Runtime.getHeapUsage' });
      this.browserSession
        .send('Target.sendMessageToTarget', { sessionId, message })
        .catch(() => finish({ usedSize: 0 }));
    });
  }
}
