/** The part of sodium-native (native libsodium for Node) that cli/node-blake2b.ts uses. */
declare module 'sodium-native' {
  export const crypto_generichash_BYTES_MIN: number;
  export const crypto_generichash_BYTES_MAX: number;
  export const crypto_generichash_KEYBYTES_MIN: number;
  export const crypto_generichash_KEYBYTES_MAX: number;
  /** BLAKE2b of the concatenation of `inputs` into `output` (its length is the hash's). */
  export function crypto_generichash_batch(
    output: Uint8Array,
    inputs: readonly Uint8Array[],
    key?: Uint8Array,
  ): void;
}
