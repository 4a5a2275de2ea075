import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/**
 * Two visually distinct kinds of pictures for vision tests: mostly red or mostly blue,
 * each with seeded noise and a darker rectangle somewhere, so every picture has its own
 * bytes and a head learns the two kinds reliably from a handful of examples.
 */
export type Kind = 'red' | 'blue';

function rng(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export async function kindPicture(kind: Kind, seed: number, size = 64): Promise<Buffer> {
  const r = rng(seed + (kind === 'red' ? 0 : 100_000));
  const px = Buffer.alloc(size * size * 3);
  const x0 = Math.floor(r() * size * 0.6);
  const y0 = Math.floor(r() * size * 0.6);
  const w = 8 + Math.floor(r() * size * 0.3);
  const h = 8 + Math.floor(r() * size * 0.3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inRect = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
      const main = (inRect ? 120 : 200) + Math.floor(r() * 55);
      const other = Math.floor(r() * 60);
      const o = (y * size + x) * 3;
      px[o] = kind === 'red' ? main : other;
      px[o + 1] = Math.floor(r() * 60);
      px[o + 2] = kind === 'red' ? other : main;
    }
  }
  return sharp(px, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

export async function kindPictures(kind: Kind, count: number, firstSeed = 1): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) out.push(await kindPicture(kind, firstSeed + i));
  return out;
}

/** Writes `count` pictures of a kind into `dir`; returns their paths. */
export async function writeKind(dir: string, kind: Kind, count: number, firstSeed = 1): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = join(dir, `${kind}-${firstSeed + i}.png`);
    writeFileSync(p, await kindPicture(kind, firstSeed + i));
    paths.push(p);
  }
  return paths;
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
