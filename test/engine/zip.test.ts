// The store-only zip writer: CRC-32 against Node's, and an archive whose central directory,
// local headers and data descriptors say what was written.
import { crc32 as nodeCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, ZipWriter } from '../../src/engine/zip';

function chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (const p of parts) yield await Promise.resolve(new TextEncoder().encode(p));
  })();
}

describe('zip', () => {
  it('computes CRC-32 as zlib does, also across chunks', () => {
    const bytes = new TextEncoder().encode('The quick brown fox jumps over the lazy dog');
    expect(crc32(bytes)).toBe(0x414fa339);
    expect(crc32(bytes.subarray(10), crc32(bytes.subarray(0, 10)))).toBe(nodeCrc32(bytes));
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('writes entries a central-directory reader finds with the right bytes', async () => {
    const parts: Uint8Array[] = [];
    const zip = new ZipWriter((p) => parts.push(p));
    await zip.addFile('a.txt', Date.UTC(2024, 0, 2, 3, 4, 6), chunks('hel', 'lo'));
    zip.addDir('d', 0);
    await zip.addFile('d/é.txt', Date.UTC(2024, 0, 2), chunks(''));
    zip.finish();
    const buf = Buffer.concat(parts);
    const end = buf.length - 22;
    expect(buf.readUInt32LE(end)).toBe(0x06054b50);
    expect(buf.readUInt16LE(end + 10)).toBe(3);
    let at = buf.readUInt32LE(end + 16);
    const found: [string, string, number][] = [];
    for (let i = 0; i < 3; i++) {
      const size = buf.readUInt32LE(at + 24);
      const nameLength = buf.readUInt16LE(at + 28);
      const local = buf.readUInt32LE(at + 42);
      const name = buf.subarray(at + 46, at + 46 + nameLength).toString('utf8');
      const dataAt = local + 30 + buf.readUInt16LE(local + 26);
      const data = buf.subarray(dataAt, dataAt + size);
      expect(buf.readUInt32LE(at + 16), name).toBe(nodeCrc32(data));
      // The data descriptor after the data repeats the CRC and sizes.
      expect(buf.readUInt32LE(dataAt + size)).toBe(0x08074b50);
      expect(buf.readUInt32LE(dataAt + size + 8)).toBe(size);
      found.push([name, data.toString('utf8'), buf.readUInt32LE(at + 12)]);
      at += 46 + nameLength;
    }
    // 2024-01-02 03:04:06 in MS-DOS form: date (44 << 9 | 1 << 5 | 2), time (3 << 11 | 4 << 5 | 3).
    const dos = (((44 << 9) | (1 << 5) | 2) << 16) | ((3 << 11) | (4 << 5) | 3);
    expect(found).toEqual([
      ['a.txt', 'hello', dos >>> 0],
      ['d/', '', 0x00210000],
      ['d/é.txt', '', ((44 << 9) | (1 << 5) | 2) << 16],
    ]);
  });
});
