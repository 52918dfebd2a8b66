/**
 * Bech32m (BIP 350) without BIP 173's 90-character cap: a readable prefix, a 32-letter
 * alphabet with no look-alikes, and a checksum that catches typos. Used for capability text.
 */
import { PeerfoldError } from './errors';

export const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32M_CONST = 0x2bc830a3;
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
export const CHECKSUM_LENGTH = 6;

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ GENERATORS[i]!) >>> 0;
  }
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (const ch of hrp) out.push(ch.charCodeAt(0) >> 5);
  out.push(0);
  for (const ch of hrp) out.push(ch.charCodeAt(0) & 31);
  return out;
}

/** Regroups bits; with `pad` false, leftover bits must be zero padding or it is malformed. */
function convertBits(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (let i = 0; i < data.length; i++) {
    acc = (acc << from) | data[i]!;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & max);
    }
    acc &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & max);
  } else if (bits >= from || acc !== 0) {
    throw new PeerfoldError('bad-capability', 'capability has stray padding bits');
  }
  return out;
}

export function encodeBech32m(hrp: string, payload: Uint8Array): string {
  const data = convertBits(payload, 8, 5, true);
  const mod = polymod([...hrpExpand(hrp), ...data, 0, 0, 0, 0, 0, 0]) ^ BECH32M_CONST;
  let out = `${hrp}1`;
  for (const d of data) out += CHARSET[d];
  for (let i = 0; i < CHECKSUM_LENGTH; i++) out += CHARSET[(mod >>> (5 * (5 - i))) & 31];
  return out;
}

/** Number of characters after the separator that encode `bytes` bytes, checksum included. */
export function encodedLength(bytes: number): number {
  return Math.ceil((bytes * 8) / 5) + CHECKSUM_LENGTH;
}

/**
 * Checks the characters and the checksum of `rest` (what follows `hrp1`) and returns the
 * payload. Lengths are checked by the caller, which knows what each prefix should carry.
 */
export function decodeBech32m(hrp: string, rest: string): Uint8Array {
  const values: number[] = [];
  for (let i = 0; i < rest.length; i++) {
    const v = CHARSET.indexOf(rest[i]!);
    if (v < 0) {
      throw new PeerfoldError(
        'bad-capability',
        `capability has an invalid character '${rest[i]}' at position ${hrp.length + 2 + i}`,
      );
    }
    values.push(v);
  }
  if (polymod([...hrpExpand(hrp), ...values]) !== BECH32M_CONST) {
    throw new PeerfoldError(
      'bad-capability',
      'capability checksum does not match: a character is mistyped or missing',
    );
  }
  return Uint8Array.from(convertBits(values.slice(0, -CHECKSUM_LENGTH), 5, 8, false));
}
