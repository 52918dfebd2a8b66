/**
 * `peerfold ls --id CAP`: the share's files as its local index records them, read from the
 * share's stored state (safe while `share` runs: objects are immutable and the index root is
 * replaced atomically). Conflict copies are shown as such.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { conflictOrigin } from '../core/conflict';
import { iterate, treeKeys } from '../core/tree';
import { shareId } from '../engine/marker';
import { ShareState } from '../engine/share-state';
import { FsStateStore } from '../storage/fs-state-store';
import { PackObjectStore } from '../storage/pack-object-store';
import { parseCommand } from './args';
import { loadCapability, readCapabilityText } from './capability-input';
import { resolveDataDir, shareDir } from './data-dir';
import { runtimeError, usageError } from './errors';
import type { CommandContext } from './main';
import { formatBytes, formatTime } from './output';

export interface ListedFile {
  readonly path: string;
  readonly kind: 'file' | 'dir';
  readonly size: number;
  readonly mtime: number;
  readonly executable: boolean;
  /** For a conflict copy, the path it is a copy of. */
  readonly conflictOf: string | null;
}

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommand('ls', () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        id: { type: 'string' },
        'id-file': { type: 'string' },
        data: { type: 'string' },
        json: { type: 'boolean' },
      },
    }),
  );
  const text = await readCapabilityText({ id: values.id, idFile: values['id-file'] }, ctx.env);
  const cap = await loadCapability(text);
  if (cap.role === 'store') {
    throw usageError(
      'a Store capability cannot list files: names and sizes are encrypted (use a Read or Write capability)',
    );
  }
  const data = resolveDataDir(values.data, ctx.env);
  const home = shareDir(data, shareId(cap));
  const noState = runtimeError(
    `no state of this share in ${data}: run "peerfold share" with it first (or pass its --data)`,
  );
  if (!(await stat(home).catch(() => undefined))) throw noState;
  const { root } = await new ShareState(new FsStateStore(join(home, 'state'))).loadLocal();
  if (!root) throw noState;
  // Read-only: a running `share` may be appending (objects reachable from `root` are written).
  const store = await PackObjectStore.open(home, { readOnly: true });
  const ctxTree = { store, keys: treeKeys(cap.readKey) };
  const files: ListedFile[] = [];
  try {
    for await (const e of iterate(ctxTree, root)) {
      if (e.deleted) continue;
      const { path, kind, size, mtime, executable } = e;
      files.push({ path, kind, size, mtime, executable, conflictOf: conflictOrigin(path) ?? null });
    }
  } finally {
    await store.close();
  }
  if (values.json) {
    ctx.stdout.write(`${JSON.stringify({ files })}\n`);
    return 0;
  }
  if (files.length === 0) ctx.stdout.write('(no files)\n');
  const width = Math.max(
    0,
    ...files.map((f) => (f.kind === 'dir' ? 1 : formatBytes(f.size).length)),
  );
  for (const f of files) {
    const type = f.kind === 'dir' ? 'd' : f.executable ? 'x' : '-';
    const size = (f.kind === 'dir' ? '-' : formatBytes(f.size)).padStart(width);
    const name = f.kind === 'dir' ? `${f.path}/` : f.path;
    const note = f.conflictOf ? `  (conflict copy of ${f.conflictOf})` : '';
    ctx.stdout.write(`${type}  ${size}  ${formatTime(f.mtime)}  ${name}${note}\n`);
  }
  return 0;
}
