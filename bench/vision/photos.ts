import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

// Photo-like JPEGs of 1 to 4 megapixels for the embedding benchmark: smooth gradients, a few
// shapes and mild sensor-like noise, at quality 85 (about as costly to decode as a phone photo
// of the same size, unlike pure noise which is far slower to entropy-decode).

export const PHOTO_SIZES: Array<[number, number]> = [
  [1152, 864], // 1.0 MP
  [1632, 1224], // 2.0 MP
  [2000, 1500], // 3.0 MP
  [2304, 1728], // 4.0 MP
];

function photoPixels(width: number, height: number, seed: number): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  let s = seed >>> 0;
  const cx = ((seed * 97) % 100) / 100;
  const cy = ((seed * 57) % 100) / 100;
  const r2 = (0.1 + ((seed * 13) % 20) / 100) ** 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (s * 1664525 + 1013904223) >>> 0;
      const u = x / width;
      const v = y / height;
      const inside = (u - cx) ** 2 + (v - cy) ** 2 < r2;
      const n = ((s >>> 24) & 15) - 8;
      const i = (y * width + x) * 3;
      raw[i] = Math.max(0, Math.min(255, (inside ? 220 : 60 + 120 * u) + n));
      raw[i + 1] = Math.max(0, Math.min(255, (inside ? 90 : 40 + 150 * v) + n));
      raw[i + 2] = Math.max(0, Math.min(255, (inside ? 40 : 160 - 100 * u * v) + n + (((x >> 5) + (y >> 5)) & 1) * 12));
    }
  }
  return raw;
}

/** Writes `count` JPEGs cycling through the 1–4 MP sizes into `dir` (reused when present). */
export async function ensurePhotos(dir: string, count: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const have = new Set(readdirSync(dir));
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const [w, h] = PHOTO_SIZES[i % PHOTO_SIZES.length];
    const name = `photo-${String(i).padStart(3, '0')}-${w}x${h}.jpg`;
    const file = join(dir, name);
    if (!have.has(name) || !existsSync(file)) {
      const jpeg = await sharp(photoPixels(w, h, i + 1), { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 85 })
        .toBuffer();
      writeFileSync(file, jpeg);
    }
    files.push(file);
  }
  return files;
}
