/**
 * The one crypto module (DESIGN.md section 10), with helpers: hchacha20.ts, and the Node entry's
 * OpenSSL cipher and native BLAKE2b (cli/node-aead.ts and cli/node-blake2b.ts, put in place with
 * `useAead` and `useBlake2b`: Node's modules may not be imported here, and they compute the
 * same bytes). Every hash, MAC and signature names its own
 * context, prefixed to the input as one length byte and the ASCII name, so no value computed
 * for one purpose can be replayed as another.
 */
import sodium from 'libsodium-wrappers';
import { PeerfoldError } from './errors';
import { utf8 } from './bytes';

let ready = false;

/** Loads libsodium's WebAssembly; every entry point awaits it once before using the core. */
export async function initCrypto(): Promise<void> {
  await sodium.ready;
  ready = true;
}

function lib(): typeof sodium {
  if (!ready) throw new Error('initCrypto() must be awaited before using the core');
  return sodium;
}

const prefixes = new Map<string, Uint8Array>();

function contextPrefix(context: string): Uint8Array {
  let p = prefixes.get(context);
  if (!p) {
    const name = utf8(context);
    if (name.length === 0 || name.length > 255) throw new Error(`bad context ${context}`);
    p = new Uint8Array(name.length + 1);
    p[0] = name.length;
    p.set(name, 1);
    prefixes.set(context, p);
  }
  return p;
}

/**
 * BLAKE2b (libsodium's crypto_generichash) of the concatenation of `parts`, `outLength` bytes
 * long, keyed when `key` is given.
 */
export type Blake2b = (
  outLength: number,
  parts: readonly Uint8Array[],
  key: Uint8Array | undefined,
) => Uint8Array;

/** libsodium's WebAssembly BLAKE2b: outputs of 1 to 64 bytes, keys of up to 64. */
export const sodiumBlake2b: Blake2b = (outLength, parts, key) => {
  const s = lib();
  const state = s.crypto_generichash_init(key ?? null, outLength);
  for (const p of parts) s.crypto_generichash_update(state, p);
  return s.crypto_generichash_final(state, outLength);
};

let blake2b: Blake2b = sodiumBlake2b;

/**
 * Puts a platform's own BLAKE2b in libsodium's WebAssembly's place (the Node entry uses native
 * libsodium, about 2x faster: a receiver hashes every block it is sent); undefined restores it.
 */
export function useBlake2b(impl: Blake2b | undefined): void {
  blake2b = impl ?? sodiumBlake2b;
}

/** BLAKE2b of `parts` under a context; with `key` it is a MAC (keyed BLAKE2b). */
export function hash(
  context: string,
  outLength: number,
  parts: readonly Uint8Array[],
  key?: Uint8Array,
): Uint8Array {
  lib(); // the same error before initCrypto, whichever BLAKE2b is in place
  return blake2b(outLength, [contextPrefix(context), ...parts], key);
}

/** A 32-byte key derived one-way from `parent` for one purpose. */
export function deriveKey(parent: Uint8Array, context: string, length = 32): Uint8Array {
  return hash(context, length, [], parent);
}

export const AEAD_NONCE_BYTES = 24;
export const AEAD_TAG_BYTES = 16;

/**
 * XChaCha20-Poly1305 (IETF), as libsodium defines it: the ciphertext is followed by its 16-byte
 * tag. `open` returns undefined for a forged or damaged ciphertext.
 */
export interface Aead {
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array;
  open(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined;
}

const sodiumAead: Aead = {
  seal: (key, nonce, plaintext) =>
    lib().crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, null, null, nonce, key),
  open: (key, nonce, ciphertext) => {
    try {
      return lib().crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, null, nonce, key);
    } catch {
      return undefined;
    }
  },
};

let aead: Aead = sodiumAead;

/**
 * Puts a platform's own implementation of the same cipher in libsodium's place (the Node entry
 * uses OpenSSL's, about 4x faster than libsodium's WebAssembly); undefined restores libsodium.
 */
export function useAead(impl: Aead | undefined): void {
  aead = impl ?? sodiumAead;
}

export function aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return aead.seal(key, nonce, plaintext);
}

/** Opens XChaCha20-Poly1305 ciphertext; a forged or damaged one is a `decrypt-failed` error. */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const plaintext = aead.open(key, nonce, ciphertext);
  if (!plaintext) {
    throw new PeerfoldError('decrypt-failed', 'ciphertext does not open with this read key');
  }
  return plaintext;
}

export interface SigningKeyPair {
  publicKey: Uint8Array; // 32 bytes
  secretKey: Uint8Array; // 64 bytes (libsodium's seed || public key)
}

export function signingKeyPair(seed: Uint8Array): SigningKeyPair {
  const kp = lib().crypto_sign_seed_keypair(seed);
  return { publicKey: kp.publicKey, secretKey: kp.privateKey };
}

/** Ed25519 over the context prefix and the message. */
export function sign(context: string, secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  const p = contextPrefix(context);
  const input = new Uint8Array(p.length + message.length);
  input.set(p);
  input.set(message, p.length);
  return lib().crypto_sign_detached(input, secretKey);
}

export function verify(
  context: string,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const p = contextPrefix(context);
  const input = new Uint8Array(p.length + message.length);
  input.set(p);
  input.set(message, p.length);
  try {
    return lib().crypto_sign_verify_detached(signature, input, publicKey);
  } catch {
    return false;
  }
}

/** Raw Ed25519 (no context prefix), for formats fixed by others such as BEP 44. */
export function signRaw(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return lib().crypto_sign_detached(message, secretKey);
}

export function verifyRaw(publicKey: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  try {
    return lib().crypto_sign_verify_detached(sig, message, publicKey);
  } catch {
    return false;
  }
}

export function randomBytes(length: number): Uint8Array {
  return lib().randombytes_buf(length);
}

/** Constant-time comparison, for MACs and proofs. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && lib().memcmp(a, b);
}
