import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { VisionError } from '../../src/main/vision/pure/errors';
import { preprocessImage } from '../../src/main/vision/node/preprocess/preprocess';
import { bombPng, halves, pixelAt, solid } from './helpers/images';

const size = { width: 224, height: 224 };
const near = (a: number[], b: number[], tol = 12): boolean => a.every((v, i) => Math.abs(v - b[i]) <= tol);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(VisionError);
    expect((err as VisionError).message.length).toBeGreaterThan(10);
    return (err as VisionError).code;
  }
}

describe('preprocessImage', () => {
  it('gives 224×224 RGB bytes for a JPEG, from bytes or a path, identically', async () => {
    const jpeg = await (await halves([255, 0, 0], [0, 0, 255])).jpeg().toBuffer();
    const dir = mkdtempSync(join(tmpdir(), 'loupe-pre-'));
    writeFileSync(join(dir, 'a.jpg'), jpeg);
    const a = await preprocessImage(jpeg, size);
    const b = await preprocessImage(join(dir, 'a.jpg'), size);
    expect(a.length).toBe(224 * 224 * 3);
    expect(b.equals(a)).toBe(true);
    expect(near(pixelAt(a, 224, 20, 112), [255, 0, 0], 30)).toBe(true);
    expect(near(pixelAt(a, 224, 200, 112), [0, 0, 255], 30)).toBe(true);
  });

  it('turns the picture upright from its EXIF orientation', async () => {
    // Stored left red / right blue; orientation 6 shows it turned 90° clockwise: red on top.
    const jpeg = await (await halves([255, 0, 0], [0, 0, 255])).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const rgb = await preprocessImage(jpeg, size);
    expect(near(pixelAt(rgb, 224, 112, 10), [255, 0, 0], 30)).toBe(true);
    expect(near(pixelAt(rgb, 224, 112, 214), [0, 0, 255], 30)).toBe(true);
  });

  it('composites transparency onto white and widens greyscale to RGB', async () => {
    const clear = await sharp({ create: { width: 40, height: 40, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    expect(pixelAt(await preprocessImage(clear, size), 224, 100, 100)).toEqual([255, 255, 255]);
    const grey = await sharp(Buffer.alloc(40 * 40, 128), { raw: { width: 40, height: 40, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const g = pixelAt(await preprocessImage(grey, size), 224, 100, 100);
    expect(g[0]).toBe(g[1]);
    expect(g[1]).toBe(g[2]);
    expect(near(g, [128, 128, 128], 2)).toBe(true);
  });

  it('reads 16-bit PNG, CMYK JPEG and the first frame of an animated GIF correctly', async () => {
    const png16 = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#ff8000' } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    expect(near(pixelAt(await preprocessImage(png16, size), 224, 100, 100), [255, 128, 0], 3)).toBe(true);

    const cmyk = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#20c040' } })
      .toColourspace('cmyk')
      .jpeg()
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    // libvips's CMYK round trip is not exact; the colour must stay a clear green.
    const [r, g, b] = pixelAt(await preprocessImage(cmyk, size), 224, 100, 100);
    expect(g).toBeGreaterThan(r + 50);
    expect(g).toBeGreaterThan(b + 50);

    const frames = await Promise.all([solid('#ff0000', 32, 32), solid('#0000ff', 32, 32)]);
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(gif, { animated: true }).metadata()).pages).toBe(2);
    expect(near(pixelAt(await preprocessImage(gif, size), 224, 100, 100), [255, 0, 0], 10)).toBe(true);
  });

  it('answers bad files with a clear error code, never a crash', async () => {
    const jpeg = await (await halves([10, 200, 30], [90, 90, 200], 400, 300)).jpeg().toBuffer();
    const dir = mkdtempSync(join(tmpdir(), 'loupe-bad-'));
    writeFileSync(join(dir, 'empty.jpg'), Buffer.alloc(0));
    expect(await codeOf(preprocessImage(Buffer.alloc(0), size))).toBe('image_empty');
    expect(await codeOf(preprocessImage(join(dir, 'empty.jpg'), size))).toBe('image_empty');
    expect(await codeOf(preprocessImage(join(dir, 'missing.jpg'), size))).toBe('image_not_found');
    expect(await codeOf(preprocessImage(jpeg.subarray(0, Math.floor(jpeg.length / 2)), size))).toBe('image_corrupt');
    expect(await codeOf(preprocessImage(Buffer.from('definitely not a picture, just some text'), size))).toBe('image_unsupported');
    const garbage = Buffer.from(jpeg);
    for (let i = 600; i < garbage.length - 2; i += 7) garbage[i] ^= 0x5a;
    expect(['ok', 'image_corrupt']).toContain(await codeOf(preprocessImage(garbage, size)));
    expect(await codeOf(preprocessImage(bombPng(), size))).toBe('image_too_large');
    expect(await codeOf(preprocessImage(await solid('#000', 400, 300), { ...size, limitInputPixels: 100_000 }))).toBe('image_too_large');
  });
});
