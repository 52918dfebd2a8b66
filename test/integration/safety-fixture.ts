/**
 * Data-safety fixtures (not a test file). `unsafeHead`: hostile content a Write holder can sign,
 * a head whose index names paths that must never be written (`../x`, an absolute path), built
 * with the core's encoders directly so the writer-side path check is bypassed. `TornFilePoller`:
 * watches a destination folder for files that appear under their final name half-written.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { blockKeys, encryptBlock } from '../../src/core/blocks';
import { compareBytes, utf8 } from '../../src/core/bytes';
import type { WriteCapability } from '../../src/core/capability';
import { signHead, type SignedHead } from '../../src/core/head';
import { objectAddress } from '../../src/core/objects';
import { comparePaths, MARKER_DIR, TEMP_PREFIX } from '../../src/core/path';
import type { ObjectStore } from '../../src/core/ports';
import type { StoredEntry } from '../../src/core/tree';
import { encodeLeaf, treeKeys } from '../../src/core/tree-node';

export interface UnsafeHeadOptions {
  /** Heads this one claims to supersede (default none). */
  readonly parents?: readonly SignedHead[];
  readonly device?: string;
  readonly time?: number;
}

/** A signed head over a one-leaf index holding each of `files` (path -> text; any path). */
export async function unsafeHead(
  cap: WriteCapability,
  store: ObjectStore,
  files: Record<string, string>,
  options: UnsafeHeadOptions = {},
): Promise<SignedHead> {
  const device = options.device ?? 'badbadbadbadbad0';
  const time = options.time ?? Date.now();
  const entries: StoredEntry[] = [];
  for (const path of Object.keys(files).sort(comparePaths)) {
    const block = encryptBlock(blockKeys(cap.readKey), utf8(files[path]!));
    await store.put(block.address, block.bytes);
    entries.push({
      path,
      kind: 'file',
      size: block.size,
      mtime: time,
      executable: false,
      blocks: [{ address: block.address, size: block.size }],
      extents: [],
      version: { [device]: 1 },
      device,
      deleted: false,
    });
  }
  const leaf = encodeLeaf(treeKeys(cap.readKey), entries);
  const root = objectAddress(leaf);
  await store.put(root, leaf);
  const parents = options.parents ?? [];
  return signHead(cap, {
    seq: parents.reduce((m, p) => Math.max(m, p.head.seq), 0) + 1,
    parents: parents.map((p) => p.id).sort(compareBytes),
    root,
    time,
    device,
  });
}

/** What a poller saw of a file under its final name that was not its final content. */
export interface TornSighting {
  readonly path: string;
  readonly seen: string;
}

/**
 * Polls a destination folder every `intervalMs` while a transfer runs: every file that shows up
 * under its final name must already have its final size and (checked once per inode and mtime)
 * content hash, as given by `expected` (path -> `<size>:<sha256>`, a snapshotFolder value).
 * Temporary files (the engine's `.peerfold-tmp-` prefix) are counted, not checked.
 */
export class TornFilePoller {
  polls = 0;
  /** Polls that saw a temporary file: the write was caught in progress. */
  tempSightings = 0;
  readonly torn: TornSighting[] = [];
  private readonly hashed = new Set<string>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly root: string,
    private readonly expected: Readonly<Record<string, string>>,
    private readonly intervalMs = 20,
  ) {
    this.loop = this.run();
  }

  /** Stops polling; resolves once the last poll is done. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.poll(this.root, '').catch((e: unknown) => {
        // A folder that vanished or changed under the listing: the next poll looks again.
        if (!['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
      });
      this.polls++;
      await new Promise((r) => setTimeout(r, this.intervalMs));
    }
  }

  private async poll(dir: string, prefix: string): Promise<void> {
    let sawTemp = false;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const name = entry.name;
      if (name.toLowerCase().startsWith(TEMP_PREFIX)) {
        sawTemp = true;
        continue;
      }
      if (name.toLowerCase() === MARKER_DIR) continue;
      const path = prefix ? `${prefix}/${name}` : name;
      const full = join(dir, name);
      if (entry.isDirectory()) await this.poll(full, path);
      else if (entry.isFile()) await this.check(full, path);
    }
    if (sawTemp) this.tempSightings++;
  }

  private async check(full: string, path: string): Promise<void> {
    const want = this.expected[path];
    const st = await stat(full);
    if (want === undefined) return this.report(path, `unexpected file of ${st.size} bytes`);
    const size = Number(want.slice(0, want.indexOf(':')));
    if (st.size !== size) return this.report(path, `${st.size} of ${size} bytes`);
    const key = `${path}:${st.ino}:${st.mtimeMs}`;
    if (this.hashed.has(key)) return;
    this.hashed.add(key);
    const h = createHash('sha256');
    for await (const chunk of createReadStream(full)) h.update(chunk as Buffer);
    if (`${size}:${h.digest('hex')}` !== want) this.report(path, 'final size, wrong content');
  }

  private report(path: string, seen: string): void {
    if (this.torn.length < 20) this.torn.push({ path, seen });
  }
}
