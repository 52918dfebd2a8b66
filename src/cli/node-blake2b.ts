/**
 * BLAKE2b on native libsodium (sodium-native), for core/crypto.ts's `useBlake2b`: the same
 * function as libsodium's WebAssembly (crypto_generichash), at about 800 MB/s here against
 * about 360 MB/s (80 KiB inputs). A receiver hashes every object it is sent against its address,
 * on the thread that also runs the protocol. Loaded only if the native module loads.
 */
import { createRequire } from 'node:module';
import type * as SodiumNativeModule from 'sodium-native';
import type { Blake2b } from '../core/crypto';

type SodiumNative = typeof SodiumNativeModule;

/**
 * Native BLAKE2b, or undefined where sodium-native has no build for this platform. Lengths
 * sodium-native refuses and libsodium allows (outputs or keys under 16 bytes) go to `fallback`.
 */
export function nodeBlake2b(fallback: Blake2b): Blake2b | undefined {
  let native: SodiumNative;
  try {
    native = createRequire(import.meta.url)('sodium-native') as SodiumNative;
  } catch {
    return undefined;
  }
  const { crypto_generichash_BYTES_MIN: outMin, crypto_generichash_BYTES_MAX: outMax } = native;
  const { crypto_generichash_KEYBYTES_MIN: keyMin, crypto_generichash_KEYBYTES_MAX: keyMax } =
    native;
  return (outLength, parts, key) => {
    const fits =
      outLength >= outMin &&
      outLength <= outMax &&
      (key === undefined || (key.length >= keyMin && key.length <= keyMax));
    if (!fits) return fallback(outLength, parts, key);
    const out = new Uint8Array(outLength);
    if (key) native.crypto_generichash_batch(out, parts, key);
    else native.crypto_generichash_batch(out, parts);
    return out;
  };
}
