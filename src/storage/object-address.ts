import { toHex } from '../core/bytes';
import { PeerfoldError } from '../core/errors';
import { ADDRESS_BYTES, type Address } from '../core/objects';

/** The hex of a well-formed address, else 'bad-address' (never a path built from junk). */
export function checkAddress(address: Address): string {
  if (!(address instanceof Uint8Array) || address.length !== ADDRESS_BYTES) {
    throw new PeerfoldError('bad-address', `an address is ${ADDRESS_BYTES} bytes`);
  }
  return toHex(address);
}
