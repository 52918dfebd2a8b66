/**
 * The data directory (DESIGN.md section 6): `--data DIR`, else PEERFOLD_DATA, else
 * `$XDG_DATA_HOME/peerfold`, else `~/.local/share/peerfold`. Layout:
 *
 *   device                       this data dir's device id (16 hex), made once
 *   shares/<discovery key hex>/  one per share:
 *     packs/  state/             the object store (docs/STORAGE.md) and the engine's state
 *     share.json                 {version, role, dir}: never the capability
 *     status.json                written by a running `share` on every status change
 *     lock                       the pid of the `share` process running it
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Role } from '../core/capability';
import { DEVICE_ID_PATTERN } from '../core/entry';
import { runtimeError } from './errors';

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined) return resolve(flag);
  if (env.PEERFOLD_DATA) return resolve(env.PEERFOLD_DATA);
  const xdg = env.XDG_DATA_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'peerfold');
  return join(homedir(), '.local', 'share', 'peerfold');
}

export const sharesDir = (data: string): string => join(data, 'shares');
export const shareDir = (data: string, share: string): string => join(sharesDir(data), share);

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/** Makes `dir` and its parents, as a runtime error naming it if that fails. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw runtimeError(`cannot create ${dir}: ${code(e) ?? String(e)}`);
  }
}

/** This data dir's device id, made on first use. */
export async function deviceId(data: string): Promise<string> {
  const file = join(data, 'device');
  await ensureDir(data);
  try {
    await writeFile(file, `${randomBytes(8).toString('hex')}\n`, { flag: 'wx' });
  } catch (e) {
    if (code(e) !== 'EEXIST') throw runtimeError(`cannot write ${file}: ${code(e)}`);
  }
  const id = (await readFile(file, 'utf8')).trim();
  if (!DEVICE_ID_PATTERN.test(id)) throw runtimeError(`${file} does not hold a device id`);
  return id;
}

/** Replaces `file` with `value` as JSON, atomically. */
export async function writeJson(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, file);
}

/** The parsed JSON in `file`, or undefined if it is missing or not JSON. */
export async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export interface ShareRecord {
  readonly role: Role;
  /** The folder the local index describes (absolute), or null for a Store replica. */
  readonly dir: string | null;
}

export async function readShareRecord(dir: string): Promise<ShareRecord | undefined> {
  const value = (await readJson(join(dir, 'share.json'))) as Partial<ShareRecord> | undefined;
  if (!value || !['write', 'read', 'store'].includes(value.role as string)) return undefined;
  return { role: value.role!, dir: typeof value.dir === 'string' ? value.dir : null };
}

export function writeShareRecord(dir: string, record: ShareRecord): Promise<void> {
  return writeJson(join(dir, 'share.json'), { version: 1, ...record });
}

/** Every share directory name in the data dir. */
export async function listShares(data: string): Promise<string[]> {
  try {
    return (await readdir(sharesDir(data))).filter((n) => /^[0-9a-f]{40}$/.test(n)).sort();
  } catch (e) {
    if (code(e) === 'ENOENT') return [];
    throw runtimeError(`cannot read ${sharesDir(data)}: ${code(e)}`);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return code(e) === 'EPERM';
  }
}

/** The pid in a share's lock file, if any. */
export async function lockHolder(dir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(dir, 'lock'), 'utf8')).trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export interface Lock {
  release(): Promise<void>;
}

/**
 * Takes a share's lock: the file is made whole (pid inside) and linked into place, so nobody
 * reads it empty. A lock whose pid is dead is stale and taken over.
 */
export async function acquireLock(dir: string): Promise<Lock> {
  const file = join(dir, 'lock');
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(tmp, file);
        return { release: () => releaseLock(file) };
      } catch (e) {
        if (code(e) !== 'EEXIST') throw runtimeError(`cannot lock ${file}: ${code(e)}`);
      }
      const pid = await lockHolder(dir);
      if (pid !== undefined && pid !== process.pid && isAlive(pid)) {
        throw runtimeError(
          `this share is already running (pid ${pid}) on data dir ${dirOfData(dir)}`,
        );
      }
      await unlink(file).catch(() => undefined); // stale: its process is gone
    }
    throw runtimeError(`cannot lock ${file}: it keeps changing`);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function releaseLock(file: string): Promise<void> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (pid === process.pid) await unlink(file).catch(() => undefined);
}

/** `<data>` for `<data>/shares/<id>`. */
const dirOfData = (share: string): string => resolve(share, '..', '..');
