/** `peerfold status`: every share in the data dir, whether its `share` runs, and how it is. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROLE_NAME, type Role } from '../core/capability';
import { parseCommand } from './args';
import { isAlive, listShares, lockHolder, readJson, readShareRecord, shareDir } from './data-dir';
import { resolveDataDir } from './data-dir';
import type { CommandContext } from './main';
import { formatTime, plural } from './output';

export interface ShareSummary {
  readonly share: string;
  readonly role: Role;
  readonly dir: string | null;
  readonly running: boolean;
  readonly pid: number | null;
  /** The running share's status, 'stopped' when it does not run. */
  readonly state: string;
  readonly reason: string | null;
  readonly peers: number;
  readonly port: number | null;
  readonly lastSync: number | null;
}

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommand('status', () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { data: { type: 'string' }, json: { type: 'boolean' } },
    }),
  );
  const data = resolveDataDir(values.data, ctx.env);
  const shares: ShareSummary[] = [];
  for (const share of await listShares(data)) {
    const found = await summary(data, share);
    if (found) shares.push(found); // a folder without share.json: a share that never started
  }
  if (values.json) {
    ctx.stdout.write(`${JSON.stringify({ data, shares })}\n`);
    return 0;
  }
  if (shares.length === 0) ctx.stdout.write(`no shares in ${data}\n`);
  for (const s of shares) {
    const role = ROLE_NAME[s.role];
    ctx.stdout.write(
      `${s.share.slice(0, 12)}  ${role}  ${s.dir ?? '(no folder: Store replica)'}\n`,
    );
    const how = s.running
      ? `running (pid ${s.pid}${s.port === null ? '' : `, port ${s.port}`}), ${s.state.replace(/-/g, ' ')}${s.reason ? `: ${s.reason}` : ''}, ${plural(s.peers, 'peer')}`
      : 'not running';
    ctx.stdout.write(`  ${how}, last sync ${formatTime(s.lastSync)}\n`);
  }
  return 0;
}

async function summary(data: string, share: string): Promise<ShareSummary | undefined> {
  const home = shareDir(data, share);
  const record = await readShareRecord(home);
  if (!record) return undefined;
  const status = ((await readJson(join(home, 'status.json'))) ?? {}) as Record<string, unknown>;
  const pid = await lockHolder(home);
  const running = pid !== undefined && isAlive(pid);
  const current = running && status.pid === pid; // else status.json is from an earlier run
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  return {
    share,
    role: record.role,
    dir: record.dir,
    running,
    pid: running ? pid : null,
    state: !running ? 'stopped' : current ? String(status.state) : 'starting',
    reason: current && typeof status.reason === 'string' ? status.reason : null,
    peers: current ? (num(status.peers) ?? 0) : 0,
    port: current ? num(status.port) : null,
    lastSync: num(status.lastSync),
  };
}
