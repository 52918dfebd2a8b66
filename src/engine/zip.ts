/**
 * A store-only ZIP writer (APPNOTE 6.3: no compression, no ZIP64) for "export the folder as a
 * zip". It streams: each file's local header carries no sizes (flag bit 3), its bytes follow as
 * they are read, and a data descriptor with the CRC-32 and sizes comes after, so no file is ever
 * held whole in memory. Names are UTF-8 (flag bit 11). The parts go to `emit`; the caller joins
 * them (a Blob in the browser).
 */
const CRC_TABLE = ((): Uint32Array => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** Continues a CRC-32 (start with 0). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Past this a plain (non-ZIP64) archive cannot say sizes or offsets. */
export const ZIP_LIMIT = 0xffffffff;

const FLAGS = (1 << 3) | (1 << 11); // sizes in a data descriptor; UTF-8 names

interface Central {
  name: Uint8Array;
  dos: number;
  crc: number;
  size: number;
  offset: number;
  dir: boolean;
}

export class ZipWriter {
  private offset = 0;
  private readonly entries: Central[] = [];

  constructor(private readonly emit: (part: Uint8Array) => void) {}

  /** Adds a directory entry (`path` without the trailing slash). */
  addDir(path: string, mtime: number): void {
    const name = new TextEncoder().encode(`${path}/`);
    this.entries.push({
      name,
      dos: dosTime(mtime),
      crc: 0,
      size: 0,
      offset: this.offset,
      dir: true,
    });
    this.put(localHeader(name, dosTime(mtime)));
    this.put(descriptor(0, 0));
  }

  /** Adds a file, its bytes as they come; throws 'too large' past the format's limits. */
  async addFile(path: string, mtime: number, data: AsyncIterable<Uint8Array>): Promise<void> {
    const name = new TextEncoder().encode(path);
    const entry: Central = {
      name,
      dos: dosTime(mtime),
      crc: 0,
      size: 0,
      offset: this.offset,
      dir: false,
    };
    this.put(localHeader(name, entry.dos));
    for await (const chunk of data) {
      entry.crc = crc32(chunk, entry.crc);
      entry.size += chunk.length;
      if (entry.size > ZIP_LIMIT) throw new RangeError(`${path} is too large for a zip`);
      this.put(chunk);
    }
    this.put(descriptor(entry.crc, entry.size));
    this.entries.push(entry);
  }

  /** Writes the central directory; the archive is complete after this. */
  finish(): void {
    const start = this.offset;
    for (const e of this.entries) {
      const h = new Uint8Array(46 + e.name.length);
      const v = new DataView(h.buffer);
      v.setUint32(0, 0x02014b50, true);
      v.setUint16(4, 20, true); // made by: MS-DOS compatible, 2.0
      v.setUint16(6, 20, true); // needed: 2.0
      v.setUint16(8, FLAGS, true);
      v.setUint32(12, e.dos, true);
      v.setUint32(16, e.crc, true);
      v.setUint32(20, e.size, true);
      v.setUint32(24, e.size, true);
      v.setUint16(28, e.name.length, true);
      v.setUint32(38, e.dir ? 0x10 : 0, true); // external attributes: MS-DOS directory bit
      v.setUint32(42, e.offset, true);
      h.set(e.name, 46);
      this.put(h);
    }
    const end = new Uint8Array(22);
    const v = new DataView(end.buffer);
    v.setUint32(0, 0x06054b50, true);
    v.setUint16(8, this.entries.length, true);
    v.setUint16(10, this.entries.length, true);
    v.setUint32(12, this.offset - start, true);
    v.setUint32(16, start, true);
    if (this.entries.length > 0xffff) throw new RangeError('too many files for a zip');
    this.put(end);
  }

  private put(part: Uint8Array): void {
    this.offset += part.length;
    if (this.offset > ZIP_LIMIT) throw new RangeError('the folder is too large for a zip');
    this.emit(part);
  }
}

function localHeader(name: Uint8Array, dos: number): Uint8Array {
  const h = new Uint8Array(30 + name.length);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0x04034b50, true);
  v.setUint16(4, 20, true);
  v.setUint16(6, FLAGS, true);
  v.setUint32(10, dos, true); // method 0 (stored) at 8; CRC and sizes follow in the descriptor
  v.setUint16(26, name.length, true);
  h.set(name, 30);
  return h;
}

function descriptor(crc: number, size: number): Uint8Array {
  const d = new Uint8Array(16);
  const v = new DataView(d.buffer);
  v.setUint32(0, 0x08074b50, true);
  v.setUint32(4, crc, true);
  v.setUint32(8, size, true);
  v.setUint32(12, size, true);
  return d;
}

/** MS-DOS time (low 16 bits) and date (high 16 bits), local fields in UTC, 1980..2107. */
function dosTime(ms: number): number {
  const d = new Date(Number.isFinite(ms) ? ms : 0);
  const year = Math.min(Math.max(d.getUTCFullYear(), 1980), 2107);
  if (year !== d.getUTCFullYear()) return year === 1980 ? 0x00210000 : 0xff9fbf7d;
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
  const date = ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  return ((date << 16) | time) >>> 0;
}
