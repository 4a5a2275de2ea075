import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { PreparedPixels } from '../../src/main/vision/node/inference/prepared-pixels';
import { picture, truncatedJpeg } from './pictures';
import { waitFor } from './vision-pictures';

/*
 * With a backbone, a picture is decoded once from import to embedding: the inference process
 * checks it, makes its thumbnail and keeps the model's pixels for the embed task. What a
 * person sees must not change: damaged pictures are refused, thumbnails are upright, and the
 * embedding is bit for bit the one the file itself gives.
 */

let dir: string;
let app: LoupeApp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-import-decode-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { debounceMs: 200 } });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('import through the inference process', () => {
  it('refuses damaged pictures, makes upright thumbnails there, and embeds exactly what the file gives', async () => {
    const library = app.services.library;
    const ds = library.createDataset('decode-once').id;
    const rotated = await sharp({ create: { width: 600, height: 300, channels: 3, background: '#336699' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    // Half transparent: the inference process decodes onto white (as the model sees it), so its thumbnail has no alpha.
    const clear = await sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 200, g: 20, b: 20, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const photos = await Promise.all([1, 2, 3].map((s) => picture(s, 'jpeg', { width: 320, height: 240 })));
    // Big pictures (64 KiB and more) reach the inference process as a staged library file, not through its pipe.
    const noise = Buffer.alloc(640 * 480 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const big = await sharp(noise, { raw: { width: 640, height: 480, channels: 3 } })
      .jpeg({ quality: 92 })
      .toBuffer();
    expect(big.length).toBeGreaterThan(64 * 1024);
    const r = await library.upload(ds, [
      { name: 'rotated.jpg', bytes: rotated },
      { name: 'clear.png', bytes: clear },
      { name: 'bad.jpg', bytes: await truncatedJpeg(4) },
      { name: 'big-bad.jpg', bytes: big.subarray(0, Math.floor(big.length * 0.6)) },
      { name: 'big.jpg', bytes: big },
      ...photos.map((bytes, i) => ({ name: `p${i}.jpg`, bytes })),
    ]);
    expect(r.failed).toEqual([
      expect.objectContaining({ name: 'bad.jpg', code: 'bad_image' }),
      expect.objectContaining({ name: 'big-bad.jpg', code: 'bad_image' }),
    ]);
    expect(r.imported).toBe(6);
    // The refused big picture's staged file is gone; every stored picture is whole, under its own name.
    const files = readdirSync(join(dir, 'data', 'library'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.map((e) => e.name).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(files).toHaveLength(6);

    const items = library.listImages({ datasetId: ds, limit: 10 }).items;
    const byName = (n: string) => items.find((i) => i.fileName === n)!;
    const upright = byName('rotated.jpg');
    expect({ w: upright.width, h: upright.height }).toEqual({ w: 300, h: 600 });
    const thumb = await sharp((await library.thumbnail(upright.id)).webp).metadata();
    expect({ format: thumb.format, w: thumb.width, h: thumb.height }).toEqual({ format: 'webp', w: 128, h: 256 });
    const clearThumb = await sharp((await library.thumbnail(byName('clear.png').id)).webp).metadata();
    expect({ w: clearThumb.width, h: clearThumb.height, alpha: clearThumb.hasAlpha }).toEqual({ w: 40, h: 30, alpha: false });

    const backbone = app.services.vision.backbone.id!;
    await waitFor(() => (app.services.store.predictions.counts(ds, backbone, null).embedded === 6 ? true : undefined), 'six pictures embedded', 90_000);
    // The stored vectors came from the pixels kept at import; the files, decoded now, give the same bits.
    const hashes = items.map((i) => i.hash);
    const stored = app.services.vision.cache.get(backbone, hashes);
    const fresh = await app.services.vision.backbone.embed(items.map((i) => library.originalPath(i.id).path));
    fresh.forEach((f, k) => {
      expect(f.ok).toBe(true);
      if (!f.ok) return;
      const bits = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      expect(bits(f.embedding).equals(bits(stored.get(hashes[k])!))).toBe(true);
    });
  });
});

describe('PreparedPixels', () => {
  const px = (n: number) => new Uint8Array(n);

  it('hands each entry out once, and when full keeps what it holds rather than drop what the embedding needs next', () => {
    let now = 0;
    const cache = new PreparedPixels(10, 60_000, 1000, () => now);
    expect(cache.put('a', px(4))).toBe(true);
    expect(cache.put('b', px(4))).toBe(true);
    expect(cache.take('a')?.length).toBe(4);
    expect(cache.take('a')).toBeUndefined();
    expect(cache.put('c', px(4))).toBe(true);
    expect(cache.put('d', px(4))).toBe(false); // b + c + d = 12 > 10: d is refused, b and c stay
    expect([cache.take('b')?.length, cache.take('c')?.length, cache.take('d')]).toEqual([4, 4, undefined]);
    expect(cache.put('huge', px(11))).toBe(false);
    // Entries nobody took for a long time make room.
    cache.put('e', px(4));
    cache.put('f', px(4));
    now += 61_000;
    expect(cache.put('g', px(4))).toBe(true);
    expect([cache.take('e'), cache.take('f')?.length, cache.take('g')?.length]).toEqual([undefined, 4, 4]);
  });

  it('lets a decode ahead wait for room while an embedding takes pixels, and not at all when none does', async () => {
    const cache = new PreparedPixels(8, 60_000, 200);
    cache.put('a', px(4));
    cache.put('b', px(4));
    // Nothing has taken pixels yet: no wait, even though it is full.
    const t0 = performance.now();
    await cache.room(4);
    expect(performance.now() - t0).toBeLessThan(50);
    // An embedding takes 'a': from now on a full cache makes the import wait for the next take.
    cache.take('a');
    cache.put('c', px(4));
    let roomy = false;
    const waiting = cache.room(4).then(() => (roomy = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(roomy).toBe(false);
    cache.take('b');
    await waiting;
    expect(roomy).toBe(true);
    // The embedding stops taking: the wait ends on its own within about `activeMs`.
    cache.put('d', px(4));
    const t1 = performance.now();
    await cache.room(4);
    expect(performance.now() - t1).toBeLessThan(1000);
  });
});
