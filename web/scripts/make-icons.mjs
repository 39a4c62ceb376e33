// Draws the apps' icons (a white house on the app's colour) as PNG files, with no
// dependency: a tiny rasteriser with 4x4 supersampling and a PNG encoder over node:zlib.
// Run `npm run icons` after changing a colour; the PNGs are committed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));

/** Which colour the unit-square point (x, y) takes, or null for transparent. */
function shade(x, y, { maskable }) {
  // Background: a rounded square, or the full square for a maskable icon.
  if (!maskable) {
    const r = 0.22;
    const dx = Math.max(r - x, 0, x - (1 - r));
    const dy = Math.max(r - y, 0, y - (1 - r));
    if (dx * dx + dy * dy > r * r) return null;
  }
  // The house lives in the middle; a maskable icon keeps it inside the 80% safe circle.
  const s = maskable ? 0.62 : 0.78;
  const u = (x - 0.5) / s + 0.5;
  const v = (y - 0.5) / s + 0.5;
  const roof = v >= 0.16 && v <= 0.5 && Math.abs(u - 0.5) <= (v - 0.16) * (0.42 / 0.34);
  const body = u >= 0.2 && u <= 0.8 && v >= 0.46 && v <= 0.86;
  const door = u >= 0.42 && u <= 0.58 && v >= 0.62 && v <= 0.86;
  if ((roof || body) && !door) return 'fg';
  return 'bg';
}

function draw(size, color, opts = {}) {
  const bg = hex(color);
  const fg = [255, 255, 255];
  const out = Buffer.alloc(size * size * 4);
  const N = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < N; sy++) {
        for (let sx = 0; sx < N; sx++) {
          const c = shade((px + (sx + 0.5) / N) / size, (py + (sy + 0.5) / N) / size, opts);
          if (!c) continue;
          const rgb = c === 'fg' ? fg : bg;
          r += rgb[0]; g += rgb[1]; b += rgb[2]; a += 1;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
      }
      out[i + 3] = Math.round((a / (N * N)) * 255);
    }
  }
  return encodePng(size, out);
}

function write(rel, png) {
  const file = join(WEB, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, png);
  console.log(`wrote ${rel} (${png.length} bytes)`);
}

const CUSTOMER = '#ff6a3d';
const WORKER = '#13a07e';
const ADMIN = '#2f6bff';

write('customer/public/favicon.png', draw(64, CUSTOMER));
write('customer/public/apple-touch-icon.png', draw(180, CUSTOMER, { maskable: true }));
write('worker/public/favicon.png', draw(64, WORKER));
write('worker/public/icons/icon-192.png', draw(192, WORKER));
write('worker/public/icons/icon-512.png', draw(512, WORKER));
write('worker/public/icons/maskable-512.png', draw(512, WORKER, { maskable: true }));
write('worker/public/icons/apple-touch-icon.png', draw(180, WORKER, { maskable: true }));
write('admin/public/favicon.png', draw(64, ADMIN));
