// Draws the Nestbox icon (the shape in icon.svg: a house-shaped envelope on a blue rounded square)
// into PNG files with nothing but zlib. Run: node --import tsx assets/make-icons.ts
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

type Point = [number, number];
const BLUE: [number, number, number] = [0x25, 0x63, 0xeb];
const WHITE: [number, number, number] = [0xff, 0xff, 0xff];

// Geometry in a 64×64 space, as in icon.svg.
const HOUSE: Point[] = [
  [12, 24],
  [32, 12],
  [52, 24],
  [52, 52],
  [12, 52],
];
const FLAP: Point[] = [
  [16, 28],
  [32, 39],
  [48, 28],
];

function inRoundedSquare(x: number, y: number, r: number): boolean {
  const cx = Math.min(Math.max(x, r), 64 - r);
  const cy = Math.min(Math.max(y, r), 64 - r);
  return x >= 0 && y >= 0 && x <= 64 && y <= 64 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function inPolygon(x: number, y: number, poly: Point[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function nearPolyline(x: number, y: number, line: Point[], halfWidth: number): boolean {
  for (let i = 1; i < line.length; i++) {
    const [ax, ay] = line[i - 1]!;
    const [bx, by] = line[i]!;
    const t = Math.max(
      0,
      Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)),
    );
    if ((x - ax - t * (bx - ax)) ** 2 + (y - ay - t * (by - ay)) ** 2 <= halfWidth ** 2) return true;
  }
  return false;
}

/** Colour and coverage of one point of the icon, or undefined outside it. */
function sample(x: number, y: number): [number, number, number] | undefined {
  if (!inRoundedSquare(x, y, 14)) return undefined;
  if (inPolygon(x, y, HOUSE) && !nearPolyline(x, y, FLAP, 2)) return WHITE;
  return BLUE;
}

function render(size: number): Buffer {
  const ss = 4; // 4×4 samples per pixel for smooth edges
  const rows: Buffer[] = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then RGBA
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let hits = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = sample(((px + (sx + 0.5) / ss) * 64) / size, ((py + (sy + 0.5) / ss) * 64) / size);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          hits++;
        }
      }
      const o = 1 + px * 4;
      if (hits) {
        row[o] = Math.round(r / hits);
        row[o + 1] = Math.round(g / hits);
        row[o + 2] = Math.round(b / hits);
        row[o + 3] = Math.round((255 * hits) / (ss * ss));
      }
    }
    rows.push(row);
  }
  return png(size, size, Buffer.concat(rows));
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(width: number, height: number, raw: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const dir = new URL('./', import.meta.url);
for (const [name, size] of [
  ['icon.png', 512],
  ['tray.png', 32],
  ['tray@2x.png', 64],
] as const) {
  writeFileSync(new URL(name, dir), render(size));
  console.log(`wrote assets/${name} (${size}×${size})`);
}
