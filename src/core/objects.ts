/**
 * Content-addressed objects (blocks and index nodes share one address space) and the
 * deterministic encryption that seals them (DESIGN.md section 3).
 *
 * Sealing is SIV-like: the nonce is a keyed BLAKE2b of the plaintext, so the same plaintext in
 * the same share always seals to the same bytes (dedupe, stable addresses), and the nonce is
 * sent in front of the XChaCha20-Poly1305 ciphertext so a reader can open it.
 */
import { bytesEqual, concatBytes } from './bytes';
import {
  AEAD_NONCE_BYTES,
  AEAD_TAG_BYTES,
  aeadOpen,
  aeadSeal,
  constantTimeEqual,
  deriveKey,
  hash,
} from './crypto';
import { PeerfoldError } from './errors';

export const ADDRESS_BYTES = 32;
export const SEAL_OVERHEAD = AEAD_NONCE_BYTES + AEAD_TAG_BYTES;
const ADDRESS_CONTEXT = 'peerfold/v1/address';

export type Address = Uint8Array;

/** BLAKE2b-256 of an object's stored bytes: anyone, a Store peer too, can check it. */
export function objectAddress(bytes: Uint8Array): Address {
  return hash(ADDRESS_CONTEXT, ADDRESS_BYTES, [bytes]);
}

export function matchesAddress(address: Address, bytes: Uint8Array): boolean {
  return address.length === ADDRESS_BYTES && bytesEqual(objectAddress(bytes), address);
}

export type SealPurpose = 'block' | 'node';

export interface SealKeys {
  readonly purpose: SealPurpose;
  readonly key: Uint8Array;
  readonly nonceKey: Uint8Array;
}

/** Keys for one purpose, derived from the share's read key. */
export function sealKeys(readKey: Uint8Array, purpose: SealPurpose): SealKeys {
  return {
    purpose,
    key: deriveKey(readKey, `peerfold/v1/${purpose}-key`),
    nonceKey: deriveKey(readKey, `peerfold/v1/${purpose}-nonce-key`),
  };
}

function nonceFor(keys: SealKeys, plaintext: Uint8Array): Uint8Array {
  return hash(`peerfold/v1/${keys.purpose}-nonce`, AEAD_NONCE_BYTES, [plaintext], keys.nonceKey);
}

/** nonce (24) || XChaCha20-Poly1305(plaintext) (plaintext length + 16). */
export function seal(keys: SealKeys, plaintext: Uint8Array): Uint8Array {
  const nonce = nonceFor(keys, plaintext);
  return concatBytes(nonce, aeadSeal(keys.key, nonce, plaintext));
}

/** Opens sealed bytes; also checks the nonce was derived from the plaintext (not replayed). */
export function open(keys: SealKeys, sealed: Uint8Array): Uint8Array {
  const plaintext = openAddressed(keys, sealed);
  if (!constantTimeEqual(sealed.subarray(0, AEAD_NONCE_BYTES), nonceFor(keys, plaintext))) {
    throw new PeerfoldError('decrypt-failed', `${keys.purpose} nonce does not match its content`);
  }
  return plaintext;
}

/**
 * Opens sealed bytes already checked against an address that a signed tree names, without
 * deriving the nonce again (docs/PROTOCOL.md section 3). The tag proves a read key holder
 * sealed them, and the signed tree that the writer chose them; the nonce check could only
 * catch a writer sealing with a nonce of its own, whose content it still is. Skipping it
 * spares a keyed BLAKE2b pass over every block on its way to the folder. Bytes whose tag does
 * not hold are 'decrypt-failed'.
 */
export function openAddressed(keys: SealKeys, sealed: Uint8Array): Uint8Array {
  if (sealed.length < SEAL_OVERHEAD) {
    throw new PeerfoldError('decrypt-failed', `sealed ${keys.purpose} is too short`);
  }
  const nonce = sealed.subarray(0, AEAD_NONCE_BYTES);
  return aeadOpen(keys.key, nonce, sealed.subarray(AEAD_NONCE_BYTES));
}
