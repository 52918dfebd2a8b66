/**
 * File content as blocks (DESIGN.md section 3): chunked by content, sealed deterministically
 * within the share, addressed by the hash of the sealed bytes. Same plaintext in the same share
 * gives the same block, stored and sent once; other shares get unrelated bytes and addresses.
 */
import { chunkStream, gearTable, type ChunkingParams } from './chunker';
import { PeerfoldError } from './errors';
import {
  matchesAddress,
  objectAddress,
  openAddressed,
  seal,
  sealKeys,
  type Address,
  type SealKeys,
} from './objects';

/** Everything derived from the read key that reading and writing blocks needs. */
export interface BlockKeys {
  readonly seal: SealKeys;
  /** The share's keyed gear table: cut points depend on the share, not only on content. */
  readonly gear: Uint32Array;
}

export interface EncryptedBlock {
  readonly address: Address;
  /** The sealed bytes as stored and sent: nonce || ciphertext. */
  readonly bytes: Uint8Array;
  /** Plaintext bytes in this block. */
  readonly size: number;
}

export function blockKeys(readKey: Uint8Array): BlockKeys {
  return { seal: sealKeys(readKey, 'block'), gear: gearTable(readKey) };
}

export function encryptBlock(keys: BlockKeys, plaintext: Uint8Array): EncryptedBlock {
  const bytes = seal(keys.seal, plaintext);
  return { address: objectAddress(bytes), bytes, size: plaintext.length };
}

/** Whether `bytes` are the block at `address`: needs no key, so Store peers check too. */
export function verifyBlock(address: Address, bytes: Uint8Array): boolean {
  return matchesAddress(address, bytes);
}

/**
 * The plaintext of the block at `address`. The address is checked first so damaged or
 * substituted bytes are reported as such ('bad-address'), whichever peer sent them; bytes
 * that match their address but do not open are a block of another share ('decrypt-failed').
 */
export function decryptBlock(keys: BlockKeys, address: Address, bytes: Uint8Array): Uint8Array {
  if (!verifyBlock(address, bytes)) {
    throw new PeerfoldError('bad-address', 'block bytes do not hash to their address');
  }
  return openStoredBlock(keys, bytes);
}

/**
 * The plaintext of a block as an ObjectStore's `get` returned it: the store has checked it
 * against its address (core/ports.ts), so it is neither hashed again nor is its nonce derived
 * again (objects.ts, openAddressed). Bytes that do not open under the share's key still throw
 * ('decrypt-failed').
 */
export function openStoredBlock(keys: BlockKeys, bytes: Uint8Array): Uint8Array {
  return openAddressed(keys.seal, bytes);
}

/** Chunks and seals a file's content as it streams; memory is one chunk and one block. */
export async function* encryptStream(
  keys: BlockKeys,
  source: AsyncIterable<Uint8Array>,
  params?: ChunkingParams,
): AsyncGenerator<EncryptedBlock, void, undefined> {
  for await (const chunk of chunkStream(source, keys.gear, params)) {
    yield encryptBlock(keys, chunk);
  }
}
