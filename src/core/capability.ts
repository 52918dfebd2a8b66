/**
 * Capabilities (DESIGN.md section 2): Write -> Read -> Store, each derived one-way from the one
 * above, plus the public discovery and swarm-auth keys. Text form is Bech32m with the role as
 * the prefix (`pfwrite1...`, `pfread1...`, `pfstore1...`), safe in a URL fragment and a QR code.
 */
import { decodeBech32m, encodeBech32m, encodedLength } from './bech32m';
import { concatBytes } from './bytes';
import { deriveKey, hash, randomBytes, signingKeyPair } from './crypto';
import { PeerfoldError } from './errors';

export type Role = 'write' | 'read' | 'store';

export interface StoreCapability {
  readonly role: 'store';
  readonly publicKey: Uint8Array;
}
export interface ReadCapability {
  readonly role: 'read';
  readonly publicKey: Uint8Array;
  readonly readKey: Uint8Array;
}
export interface WriteCapability {
  readonly role: 'write';
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly readKey: Uint8Array;
  /** libsodium's 64-byte Ed25519 secret key. */
  readonly signingKey: Uint8Array;
}
export type Capability = WriteCapability | ReadCapability | StoreCapability;

export const CONTEXT = {
  signSeed: 'peerfold/v1/sign-seed',
  readKey: 'peerfold/v1/read-key',
  discovery: 'peerfold/v1/discovery',
  swarmAuth: 'peerfold/v1/swarm-auth',
} as const;

const FORMAT_VERSION = 1;
const PREFIX: Record<Role, string> = { write: 'pfwrite', read: 'pfread', store: 'pfstore' };
const PAYLOAD_BYTES: Record<Role, number> = { write: 33, read: 65, store: 33 };
const RANK: Record<Role, number> = { store: 0, read: 1, write: 2 };
export const ROLE_NAME: Record<Role, string> = { write: 'Write', read: 'Read', store: 'Store' };

export function createShare(): WriteCapability {
  return writeFromSeed(randomBytes(32));
}

export function writeFromSeed(seed: Uint8Array): WriteCapability {
  if (seed.length !== 32) throw new PeerfoldError('bad-capability', 'a share seed is 32 bytes');
  const keys = signingKeyPair(deriveKey(seed, CONTEXT.signSeed));
  return {
    role: 'write',
    seed: seed.slice(),
    publicKey: keys.publicKey,
    readKey: deriveKey(seed, CONTEXT.readKey),
    signingKey: keys.secretKey,
  };
}

export function toRead(cap: WriteCapability | ReadCapability): ReadCapability {
  return { role: 'read', publicKey: cap.publicKey, readKey: cap.readKey };
}

export function toStore(cap: Capability): StoreCapability {
  return { role: 'store', publicKey: cap.publicKey };
}

/** The 20-byte swarm id on trackers and the DHT: public, and useless without the public key. */
export function discoveryKey(cap: Capability): Uint8Array {
  return hash(CONTEXT.discovery, 20, [cap.publicKey]);
}

/** The key peers prove to each other that they hold at least the Store capability. */
export function swarmAuthKey(cap: Capability): Uint8Array {
  return hash(CONTEXT.swarmAuth, 32, [cap.publicKey]);
}

export function hasRole(cap: Capability, needed: Role): boolean {
  return RANK[cap.role] >= RANK[needed];
}

/** Throws a `wrong-role` error naming the operation and both roles when `cap` is too weak. */
export function requireRole(
  cap: Capability,
  needed: 'write',
  operation: string,
): asserts cap is WriteCapability;
export function requireRole(
  cap: Capability,
  needed: 'read',
  operation: string,
): asserts cap is WriteCapability | ReadCapability;
export function requireRole(cap: Capability, needed: Role, operation: string): void;
export function requireRole(cap: Capability, needed: Role, operation: string): void {
  if (!hasRole(cap, needed)) {
    throw new PeerfoldError(
      'wrong-role',
      `${operation} needs the ${ROLE_NAME[needed]} capability; this is a ${ROLE_NAME[cap.role]} capability`,
    );
  }
}

export function formatCapability(cap: Capability): string {
  const body =
    cap.role === 'write'
      ? cap.seed
      : cap.role === 'read'
        ? concatBytes(cap.publicKey, cap.readKey)
        : cap.publicKey;
  return encodeBech32m(PREFIX[cap.role], concatBytes(Uint8Array.of(FORMAT_VERSION), body));
}

/** `origin` like `https://host`; the capability goes in the fragment, never sent to a server. */
export function capabilityLink(cap: Capability, origin: string): string {
  return `${origin.replace(/\/+$/, '')}/#${formatCapability(cap)}`;
}

const bad = (why: string): PeerfoldError => new PeerfoldError('bad-capability', why);
const notCapability = (): PeerfoldError =>
  bad('not a Peerfold capability: expected text starting with pfwrite1, pfread1 or pfstore1');

/** Parses a capability from its text, or from a link carrying it in the `#fragment`. */
export function parseCapability(input: string): Capability {
  let text = input.trim();
  const hashAt = text.indexOf('#');
  if (hashAt >= 0) {
    text = text.slice(hashAt + 1).trim();
    try {
      text = decodeURIComponent(text);
    } catch {
      throw bad('the link fragment is not valid percent-encoding');
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw bad('the link has no #fragment: the capability is the part after "#"');
  }
  if (text === '') throw bad('no capability given');
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) {
    throw bad('capability mixes upper and lower case');
  }
  text = text.toLowerCase();
  const sep = text.lastIndexOf('1');
  if (sep < 0) {
    // no separator at all: a bare prefix like "pfread" is a link cut right after it
    const known = Object.values(PREFIX).find((p) => text.startsWith(p));
    if (known) throw bad(`capability is truncated after "${known}"`);
    throw notCapability();
  }
  const prefix = text.slice(0, sep);
  const role = (Object.keys(PREFIX) as Role[]).find((r) => PREFIX[r] === prefix);
  if (!role) throw notCapability();
  const rest = text.slice(sep + 1);
  const expected = encodedLength(PAYLOAD_BYTES[role]);
  if (rest.length < expected) {
    throw bad(
      `${ROLE_NAME[role]} capability is truncated: ${expected - rest.length} of ${expected} characters missing`,
    );
  }
  if (rest.length > expected) {
    throw bad(
      `${ROLE_NAME[role]} capability is too long: ${rest.length - expected} extra characters`,
    );
  }
  const payload = decodeBech32m(prefix, rest);
  if (payload[0] !== FORMAT_VERSION) {
    throw new PeerfoldError(
      'unsupported',
      `capability format version ${payload[0]} is not supported by this version of Peerfold`,
    );
  }
  const body = payload.subarray(1);
  if (role === 'write') return writeFromSeed(body);
  if (role === 'read') {
    return { role, publicKey: body.slice(0, 32), readKey: body.slice(32, 64) };
  }
  return { role, publicKey: body.slice() };
}
