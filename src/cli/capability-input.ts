/**
 * Where a command gets its capability: `--id CAP`, `--id-file FILE` (so it never shows in `ps`)
 * or the environment variable PEERFOLD_ID, in that order. Parse errors name what is wrong, never
 * the text itself.
 */
import { readFile } from 'node:fs/promises';
import { parseCapability, type Capability } from '../core/capability';
import { initCrypto } from '../core/crypto';
import { isPeerfoldError } from '../core/errors';
import { runtimeError, usageError } from './errors';

export interface CapabilitySource {
  readonly id?: string | undefined;
  readonly idFile?: string | undefined;
}

export async function readCapabilityText(
  source: CapabilitySource,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  if (source.id !== undefined && source.idFile !== undefined) {
    throw usageError('give the capability once: --id or --id-file, not both');
  }
  if (source.id !== undefined) return source.id;
  if (source.idFile !== undefined) {
    let text: string;
    try {
      text = await readFile(source.idFile, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
      throw runtimeError(`cannot read --id-file ${source.idFile}: ${why ?? 'unreadable'}`);
    }
    const line = text.split(/\r?\n/).find((l) => l.trim() !== '');
    if (line === undefined) throw usageError(`--id-file ${source.idFile} is empty`);
    return line.trim();
  }
  const fromEnv = env.PEERFOLD_ID;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv;
  throw usageError('missing --id CAPABILITY (or --id-file FILE, or the PEERFOLD_ID variable)');
}

/** Parses a capability (text or link); a bad one is a usage error naming what is wrong. */
export async function loadCapability(text: string): Promise<Capability> {
  await initCrypto();
  try {
    return parseCapability(text);
  } catch (e) {
    if (isPeerfoldError(e)) throw usageError(`bad capability: ${e.message}`);
    throw e;
  }
}
