/**
 * The folder marker's identity (DESIGN.md section 6): `.peerfold/share` records which share the
 * folder belongs to, as `{"peerfold":1,"share":"<discovery key hex>"}`. Only the public
 * discovery key goes there, never a capability: the folder may be copied, backed up or synced
 * by other tools. A folder whose marker names another share is never synced as this one.
 */
import { fromUtf8, toHex, utf8 } from '../core/bytes';
import { discoveryKey, type Capability } from '../core/capability';
import type { Drive } from '../core/drive';
import { PeerfoldError } from '../core/errors';

export const MARKER_VERSION = 1;

export interface MarkerIdentity {
  readonly version: number;
  /** The share's discovery key, 40 lowercase hex characters. */
  readonly share: string;
}

export function shareId(cap: Capability): string {
  return toHex(discoveryKey(cap));
}

export function encodeMarker(cap: Capability): Uint8Array {
  return utf8(`${JSON.stringify({ peerfold: MARKER_VERSION, share: shareId(cap) })}\n`);
}

const unreadable = (): PeerfoldError =>
  new PeerfoldError(
    'other-share',
    'the folder marker (.peerfold/share) is not a Peerfold share marker: the folder may belong to something else',
  );

/** The identity in a marker's bytes; 'other-share' if unreadable, 'unsupported' if newer. */
export function decodeMarker(bytes: Uint8Array): MarkerIdentity {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch {
    throw unreadable();
  }
  if (typeof value !== 'object' || value === null) throw unreadable();
  const { peerfold: version, share } = value as Record<string, unknown>;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw unreadable();
  }
  if (version > MARKER_VERSION) {
    throw new PeerfoldError(
      'unsupported',
      `the folder marker has format version ${version}, newer than this version of Peerfold`,
    );
  }
  if (typeof share !== 'string' || !/^[0-9a-f]{40}$/.test(share)) throw unreadable();
  return { version, share };
}

/** Throws 'other-share' unless the marker bytes name this share. */
export function checkMarker(bytes: Uint8Array, cap: Capability): void {
  const found = decodeMarker(bytes);
  const ours = shareId(cap);
  if (found.share !== ours) {
    throw new PeerfoldError(
      'other-share',
      `the folder belongs to another share (its marker names share ${found.share.slice(0, 12)}…, this is ${ours.slice(0, 12)}…)`,
    );
  }
}

/**
 * Makes the folder's marker name this share: writes the identity where the marker has none,
 * throws 'other-share' where it names another. With `createMarker`, a folder without a marker
 * gets one; otherwise a missing marker (or root) is left alone, so a vanished folder stays paused.
 */
export async function claimFolder(
  drive: Drive,
  cap: Capability,
  createMarker: boolean,
): Promise<void> {
  const status = await drive.status();
  if (status === 'missing-marker' && createMarker) return drive.writeMarker(encodeMarker(cap));
  if (status !== 'ok') return; // paused: the scan reports why
  const bytes = await drive.readMarker();
  if (bytes === undefined) return drive.writeMarker(encodeMarker(cap));
  checkMarker(bytes, cap);
}
