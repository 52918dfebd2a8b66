// Draws the app icons (public/icons/*.png) with no image library: shapes are sampled 4x4 per
// pixel for smooth edges and written as RGBA PNGs with node:zlib. Run: npx tsx scripts/make-icons.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];
const ACCENT: Rgba = [0x14, 0x64, 0x5a, 255];
const PAPER: Rgba = [255, 255, 255, 255];
const FLAP: Rgba = [0xbf, 0xe6, 0xdf, 255];
const CLEAR: Rgba = [0, 0, 0, 0];

/** Signed distance to a rounded rectangle (unit coordinates); negative inside. */
function roundedRect(
  x: number,
  y: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  r: number,
) {
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const qx = Math.abs(x - cx) - ((x1 - x0) / 2 - r);
  const qy = Math.abs(y - cy) - ((y1 - y0) / 2 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** The colour at a point: background, then the folder's back with its tab, then its front flap. */
function colourAt(x: number, y: number, fullBleed: boolean): Rgba {
  let c = fullBleed || roundedRect(x, y, 0, 0, 1, 1, 0.22) <= 0 ? ACCENT : CLEAR;
  if (roundedRect(x, y, 0.22, 0.27, 0.5, 0.4, 0.035) <= 0) c = PAPER;
  if (roundedRect(x, y, 0.22, 0.33, 0.78, 0.72, 0.045) <= 0) c = PAPER;
  // The front flap, slightly lower than the back, leaves a white rim: the folder reads as open.
  if (roundedRect(x, y, 0.25, 0.43, 0.75, 0.69, 0.03) <= 0) c = FLAP;
  return c;
}

function draw(size: number, fullBleed: boolean): Uint8Array {
  const samples = 4;
  const pixels = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const c = colourAt(
            (px + (sx + 0.5) / samples) / size,
            (py + (sy + 0.5) / samples) / size,
            fullBleed,
          );
          // Premultiplied, so transparent samples do not darken the edge.
          for (let i = 0; i < 3; i++) sum[i]! += (c[i]! * c[3]) / 255;
          sum[3]! += c[3];
        }
      }
      const n = samples * samples;
      const alpha = sum[3]! / n;
      const at = (py * size + px) * 4;
      for (let i = 0; i < 3; i++)
        pixels[at + i] = alpha === 0 ? 0 : Math.round((sum[i]! / n / alpha) * 255);
      pixels[at + 3] = Math.round(alpha);
    }
  }
  return pixels;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

function encodePng(size: number, rgba: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0; // filter: none
    rows.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

const out = new URL('../public/icons/', import.meta.url);
mkdirSync(out, { recursive: true });
const icons: [string, number, boolean][] = [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['maskable-512.png', 512, true],
  ['apple-touch-icon.png', 180, true],
];
for (const [name, size, fullBleed] of icons) {
  writeFileSync(new URL(name, out), encodePng(size, draw(size, fullBleed)));
}
