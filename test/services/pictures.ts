import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** A small picture whose bytes differ for each seed (so each has its own hash). */
export async function picture(seed: number, format: 'png' | 'jpeg' | 'webp' = 'png', size = { width: 48, height: 32 }): Promise<Buffer> {
  const background = { r: (seed * 37) % 256, g: (seed * 91) % 256, b: (seed * 151 + Math.floor(seed / 256)) % 256 };
  const img = sharp({ create: { ...size, channels: 3, background } });
  // A second seed-dependent pixel block keeps colours from colliding past 256 seeds.
  const overlay = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: seed % 251, g: (seed >> 8) % 251, b: 7 } } })
    .png()
    .toBuffer();
  return img
    .composite([{ input: overlay, top: 0, left: 0 }])
    .toFormat(format)
    .toBuffer();
}

export async function writePictures(dir: string, count: number, firstSeed: number, format: 'png' | 'jpeg' = 'png'): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `p${firstSeed + i}.${format === 'jpeg' ? 'jpg' : 'png'}`);
    writeFileSync(path, await picture(firstSeed + i, format));
    out.push(path);
  }
  return out;
}

/** A JPEG cut in half: the header is fine, the pixel data ends early. */
export async function truncatedJpeg(seed: number): Promise<Buffer> {
  const full = await picture(seed, 'jpeg', { width: 200, height: 150 });
  return full.subarray(0, Math.floor(full.length / 2));
}
