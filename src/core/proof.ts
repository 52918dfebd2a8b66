/**
 * The mutual capability proof, bound to one session. Each side sends a fresh random 32-byte
 * nonce in `hello`, then a `proof` whose mac is
 *
 *     H_k("peerfold/v1/swarm-proof", 32, senderNonce ‖ receiverNonce)
 *
 * keyed with the swarm auth key k (capability.ts: every capability, Store too, derives it from
 * the public key; the discovery key does not yield it). The receiver's fresh nonce makes a proof
 * from another session useless (replay), and the order of the nonces makes a proof useless to
 * send back to its maker (reflection). A peer whose nonce equals ours is refused outright: with
 * equal nonces both directions would have the same mac and reflection would work.
 *
 * The proof binds the two nonces, not the transport: a relay that forwards every byte between
 * two honest peers is not detected here (objects stay sealed and heads stay signed).
 */
import { bytesEqual } from './bytes';
import { constantTimeEqual, hash } from './crypto';
import { PeerfoldError } from './errors';
import { MAC_BYTES, NONCE_BYTES } from './wire-types';

export const PROOF_CONTEXT = 'peerfold/v1/swarm-proof';
export const AUTH_KEY_BYTES = 32;

/** The mac this side sends: over our nonce then theirs. */
export function makeProof(
  authKey: Uint8Array,
  myNonce: Uint8Array,
  theirNonce: Uint8Array,
): Uint8Array {
  if (authKey.length !== AUTH_KEY_BYTES) {
    throw new PeerfoldError('malformed', `swarm auth key must be ${AUTH_KEY_BYTES} bytes`);
  }
  if (myNonce.length !== NONCE_BYTES || theirNonce.length !== NONCE_BYTES) {
    throw new PeerfoldError('malformed', `proof nonces must be ${NONCE_BYTES} bytes`);
  }
  return hash(PROOF_CONTEXT, MAC_BYTES, [myNonce, theirNonce], authKey);
}

/** Whether the peer's mac proves it holds `authKey` in this session (constant-time compare). */
export function checkProof(
  authKey: Uint8Array,
  theirNonce: Uint8Array,
  myNonce: Uint8Array,
  mac: Uint8Array,
): boolean {
  if (
    authKey.length !== AUTH_KEY_BYTES ||
    theirNonce.length !== NONCE_BYTES ||
    myNonce.length !== NONCE_BYTES ||
    mac.length !== MAC_BYTES ||
    bytesEqual(theirNonce, myNonce)
  ) {
    return false;
  }
  return constantTimeEqual(makeProof(authKey, theirNonce, myNonce), mac);
}
