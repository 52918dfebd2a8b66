/**
 * The pack store's in-memory index, address -> (pack, offset, length), kept compact: entries
 * live in typed arrays (the 32-byte address, three u32s) and an open-addressing table of u32
 * slots finds them, about 60 bytes per object and no JavaScript object per entry. Addresses are
 * BLAKE2b output, so their first four bytes already make a good hash.
 *
 * An address once seen keeps its entry; forgetting it marks the entry absent, and storing it
 * again reuses the entry (so the table never needs deletions).
 *
 * Each entry also records whether its object's bytes are known to match its address in this
 * process (written from verified bytes, or read and hashed once), so reads need not hash again.
 */
import { ADDRESS_BYTES } from '../core/objects';

export interface Location {
  readonly pack: number;
  /** Where the record (header, then the object) starts in the pack. */
  readonly offset: number;
  /** The object's length (the record is RECORD_HEADER_BYTES longer). */
  readonly length: number;
  /** Whether this process has seen the object's bytes match its address. */
  readonly checked: boolean;
}

/** The `length` of an entry whose address is forgotten. */
const ABSENT = 0xffff_ffff;
const FIRST_CAPACITY = 1024;

export class PackIndex {
  private keys = new Uint8Array(FIRST_CAPACITY * ADDRESS_BYTES);
  private packs = new Uint32Array(FIRST_CAPACITY);
  private offsets = new Uint32Array(FIRST_CAPACITY);
  private lengths = new Uint32Array(FIRST_CAPACITY);
  private checked = new Uint8Array(FIRST_CAPACITY);
  /** Entry number + 1, or 0 for an empty slot; never more than half full. */
  private slots = new Uint32Array(FIRST_CAPACITY * 2);
  private entries = 0;
  private present = 0;
  private total = 0;

  /** How many addresses are present. */
  get size(): number {
    return this.present;
  }

  /** The summed length of the objects present. */
  get objectBytes(): number {
    return this.total;
  }

  /** Bytes held by the typed arrays (the index's memory beyond a few small objects). */
  get bytes(): number {
    return [this.keys, this.packs, this.offsets, this.lengths, this.checked, this.slots].reduce(
      (sum, a) => sum + a.byteLength,
      0,
    );
  }

  /** Makes room for `n` addresses in all, so loading them never grows or rehashes. */
  reserve(n: number): void {
    while (this.packs.length < n) this.growEntries();
    while (this.slots.length < n * 2) this.growSlots();
  }

  get(address: Uint8Array): Location | undefined {
    const e = this.find(address);
    if (e < 0 || this.lengths[e] === ABSENT) return undefined;
    return {
      pack: this.packs[e]!,
      offset: this.offsets[e]!,
      length: this.lengths[e]!,
      checked: this.checked[e] === 1,
    };
  }

  has(address: Uint8Array): boolean {
    const e = this.find(address);
    return e >= 0 && this.lengths[e] !== ABSENT;
  }

  /**
   * Indexes the address in `key` at `at` (a view into an idx file saves a copy per entry);
   * `checked` when the bytes written there were verified against it.
   */
  set(
    key: Uint8Array,
    pack: number,
    offset: number,
    length: number,
    at = 0,
    checked = false,
  ): void {
    if (length === ABSENT) throw new RangeError('an object this long cannot be indexed');
    let e = this.find(key, at);
    if (e < 0) e = this.add(key, at);
    if (this.lengths[e] === ABSENT) this.present++;
    else this.total -= this.lengths[e]!;
    this.total += length;
    this.packs[e] = pack;
    this.offsets[e] = offset;
    this.lengths[e] = length;
    this.checked[e] = checked ? 1 : 0;
  }

  /** Records that the object at `where` matched its address (if the entry still points there). */
  markChecked(address: Uint8Array, where: Location): void {
    const e = this.find(address);
    if (e < 0 || this.packs[e] !== where.pack || this.offsets[e] !== where.offset) return;
    if (this.lengths[e] === where.length) this.checked[e] = 1;
  }

  /** Forgets `address` (a no-op if absent). */
  delete(key: Uint8Array, at = 0): void {
    const e = this.find(key, at);
    if (e < 0 || this.lengths[e] === ABSENT) return;
    this.total -= this.lengths[e]!;
    this.lengths[e] = ABSENT;
    this.present--;
  }

  /** The entry number of the address in `key` at `at`, or -1. */
  private find(key: Uint8Array, at = 0): number {
    const mask = this.slots.length - 1;
    for (let s = hashOf(key, at) & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      if (v === 0) return -1;
      if (this.keyEquals(v - 1, key, at)) return v - 1;
    }
  }

  /** A new entry for an address not in the table (marked absent until `set` fills it). */
  private add(key: Uint8Array, at: number): number {
    if (this.entries === this.packs.length) this.growEntries();
    if ((this.entries + 1) * 2 > this.slots.length) this.growSlots();
    const e = this.entries++;
    this.keys.set(key.subarray(at, at + ADDRESS_BYTES), e * ADDRESS_BYTES);
    this.lengths[e] = ABSENT;
    this.place(e);
    return e;
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let s = hashOf(this.keys, e * ADDRESS_BYTES) & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = e + 1;
  }

  private keyEquals(e: number, key: Uint8Array, at: number): boolean {
    const mine = e * ADDRESS_BYTES;
    for (let i = 0; i < ADDRESS_BYTES; i++) if (this.keys[mine + i] !== key[at + i]) return false;
    return true;
  }

  private growEntries(): void {
    const capacity = this.packs.length * 2;
    const grow = <T extends Uint8Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity * (a.length / this.packs.length));
      b.set(a);
      return b;
    };
    this.keys = grow(this.keys, (n) => new Uint8Array(n));
    this.offsets = grow(this.offsets, (n) => new Uint32Array(n));
    this.lengths = grow(this.lengths, (n) => new Uint32Array(n));
    this.checked = grow(this.checked, (n) => new Uint8Array(n));
    this.packs = grow(this.packs, (n) => new Uint32Array(n)); // last: the others scale by it
  }

  private growSlots(): void {
    this.slots = new Uint32Array(this.slots.length * 2);
    for (let e = 0; e < this.entries; e++) this.place(e);
  }
}

/** The address's first four bytes as a number (uniform for BLAKE2b output). */
function hashOf(key: Uint8Array, at: number): number {
  return (key[at]! | (key[at + 1]! << 8) | (key[at + 2]! << 16) | (key[at + 3]! << 24)) >>> 0;
}
