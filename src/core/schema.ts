/**
 * Typed reads of decoded bencode: every peer input passes through here once, at the edge.
 * A missing, mistyped or out-of-range field is a `malformed` (or `too-large`) error.
 */
import type { BDict, BValue } from './bencode';
import { fromUtf8 } from './bytes';
import { PeerfoldError } from './errors';

export function asDict(value: BValue, what: string): Fields {
  if (
    typeof value !== 'object' ||
    value instanceof Uint8Array ||
    Array.isArray(value) ||
    value === null
  ) {
    throw new PeerfoldError('malformed', `${what}: expected a dictionary`);
  }
  return new Fields(value, what);
}

export function asList(value: BValue | undefined, what: string, maxItems: number): BValue[] {
  if (!Array.isArray(value)) throw new PeerfoldError('malformed', `${what}: expected a list`);
  if (value.length > maxItems) {
    throw new PeerfoldError('too-large', `${what}: ${value.length} items, at most ${maxItems}`);
  }
  return value;
}

export function asBytes(value: BValue | undefined, what: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new PeerfoldError('malformed', `${what}: expected bytes`);
  }
  if (length !== undefined && value.length !== length) {
    throw new PeerfoldError('malformed', `${what}: expected ${length} bytes, got ${value.length}`);
  }
  return value;
}

export function asInt(value: BValue | undefined, what: string, min: number, max: number): number {
  if (typeof value !== 'number') throw new PeerfoldError('malformed', `${what}: expected a number`);
  if (value < min || value > max) {
    throw new PeerfoldError('malformed', `${what}: ${value} is outside ${min}..${max}`);
  }
  return value;
}

export class Fields {
  constructor(
    readonly dict: BDict,
    readonly what: string,
  ) {}

  private name(key: string): string {
    return `${this.what}.${key}`;
  }

  has(key: string): boolean {
    return this.dict[key] !== undefined;
  }

  raw(key: string): BValue | undefined {
    return this.dict[key];
  }

  int(key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    return asInt(this.dict[key], this.name(key), min, max);
  }

  optInt(key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
    return this.has(key) ? this.int(key, min, max) : undefined;
  }

  bytes(key: string, length?: number): Uint8Array {
    return asBytes(this.dict[key], this.name(key), length);
  }

  bytesMax(key: string, maxLength: number): Uint8Array {
    const b = asBytes(this.dict[key], this.name(key));
    if (b.length > maxLength) {
      throw new PeerfoldError(
        'too-large',
        `${this.name(key)}: ${b.length} bytes, at most ${maxLength}`,
      );
    }
    return b;
  }

  string(key: string, maxBytes: number): string {
    return fromUtf8(this.bytesMax(key, maxBytes));
  }

  list(key: string, maxItems: number): BValue[] {
    return asList(this.dict[key], this.name(key), maxItems);
  }

  /** A list of byte strings of one fixed length, e.g. addresses. */
  byteList(key: string, maxItems: number, length: number): Uint8Array[] {
    return this.list(key, maxItems).map((v, i) => asBytes(v, `${this.name(key)}[${i}]`, length));
  }

  dictField(key: string): Fields {
    const v = this.dict[key];
    if (v === undefined) throw new PeerfoldError('malformed', `${this.name(key)}: missing`);
    return asDict(v, this.name(key));
  }
}
