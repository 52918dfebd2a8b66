/**
 * Version vectors (DESIGN.md section 3): per-device counters, a missing device counting as 0.
 * The canonical form has no zero counters and its keys sorted, so equal vectors encode equally.
 *
 * A version's *dot* is its writer's own counter `(device, version[device])`: the identity of
 * one write. A writer never reuses a counter on a path (see `bumpVersion`), so a vector covers
 * a write exactly when it holds that write's dot.
 */
import { DEVICE_ID_PATTERN, type DeviceId, type VersionVector } from './entry';
import { PeerfoldError } from './errors';

export type VersionOrder = 'equal' | 'before' | 'after' | 'concurrent';

/** The counter of `device` in `v` (0 when absent). */
export function counterOf(v: VersionVector, device: DeviceId): number {
  return Object.hasOwn(v, device) ? (v[device] ?? 0) : 0;
}

/** How `a` relates to `b`: `before` means every counter of a is <= b's and one is smaller. */
export function compareVersions(a: VersionVector, b: VersionVector): VersionOrder {
  let less = false;
  let greater = false;
  for (const d of Object.keys(a)) {
    const x = counterOf(a, d);
    const y = counterOf(b, d);
    if (x < y) less = true;
    else if (x > y) greater = true;
  }
  for (const d of Object.keys(b)) {
    if (counterOf(b, d) > counterOf(a, d)) less = true;
  }
  if (less && greater) return 'concurrent';
  if (less) return 'before';
  if (greater) return 'after';
  return 'equal';
}

function canonical(counters: Map<DeviceId, number>): VersionVector {
  const keys = [...counters.keys()].filter((k) => counters.get(k)! > 0).sort();
  return Object.fromEntries(keys.map((k) => [k, counters.get(k)!]));
}

/** Element-wise maximum, canonical (no zero counters, keys sorted). */
export function joinVersions(...vs: VersionVector[]): VersionVector {
  const out = new Map<DeviceId, number>();
  for (const v of vs) {
    for (const d of Object.keys(v)) {
      const c = counterOf(v, d);
      if (c > (out.get(d) ?? 0)) out.set(d, c);
    }
  }
  return canonical(out);
}

/**
 * The version of a new write by `device` on top of `v`: its counter becomes
 * `max(v[device], floor) + 1`. A writer passes as `floor` the highest counter it has used in
 * the share, so it never reuses one (a lost write of its own may still exist as a conflict
 * copy that `v` does not cover).
 */
export function bumpVersion(v: VersionVector, device: DeviceId, floor = 0): VersionVector {
  if (!DEVICE_ID_PATTERN.test(device)) {
    throw new PeerfoldError('malformed', `not a device id: ${JSON.stringify(device)}`);
  }
  const next = Math.max(counterOf(v, device), floor) + 1;
  if (!Number.isSafeInteger(next)) throw new PeerfoldError('too-large', 'version counter overflow');
  const counters = new Map<DeviceId, number>();
  for (const d of Object.keys(v)) counters.set(d, counterOf(v, d));
  counters.set(device, next);
  return canonical(counters);
}

/** Throws `malformed` unless every key is a device id and every counter a positive safe integer. */
export function validateVersion(v: unknown, what = 'version'): asserts v is VersionVector {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) {
    throw new PeerfoldError('malformed', `${what}: expected a version vector`);
  }
  for (const d of Object.keys(v)) {
    if (!DEVICE_ID_PATTERN.test(d)) {
      throw new PeerfoldError('malformed', `${what}: ${JSON.stringify(d)} is not a device id`);
    }
    const c = (v as Record<string, unknown>)[d];
    if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 1) {
      throw new PeerfoldError('malformed', `${what}.${d}: counter must be a positive integer`);
    }
  }
}
