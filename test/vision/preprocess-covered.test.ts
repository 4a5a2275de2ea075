import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeUpright, resizeDecoded, resizeDecodedWithCover, thumbnailOf, thumbnailSource } from '../../src/main/vision/node/preprocess/preprocess';

/** A picture with detail everywhere (a gradient and a checkerboard), so any resampling difference shows. */
async function busyJpeg(width: number, height: number): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const check = ((x >> 6) + (y >> 6)) % 2 ? 200 : 30;
      px[i] = (x * 255) / width;
      px[i + 1] = (y * 255) / height;
      px[i + 2] = check;
    }
  return sharp(px, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

describe('the import decode: model pixels and the thumbnail from one resize', () => {
  it('gives the model exactly the pixels of the plain resize, whatever the shape of the picture', async () => {
    for (const [w, h] of [
      [1152, 864],
      [864, 1152],
      [640, 640],
      [2000, 500],
      [28, 28],
      [300, 225],
    ]) {
      const picture = await decodeUpright(await busyJpeg(w, h), { side: 224 });
      const plain = await resizeDecoded(picture, 224, 224);
      const both = await resizeDecodedWithCover(picture, 224, 224);
      expect(both.pixels.equals(plain), `${w}×${h}`).toBe(true);
      // The covering copy: short side 224, the picture's proportions.
      expect(Math.min(both.covered.width, both.covered.height), `${w}×${h}`).toBe(224);
      expect(both.covered.pixels.length).toBe(both.covered.width * both.covered.height * 3);
      expect(Math.abs(both.covered.width / both.covered.height - w / h)).toBeLessThan(0.02);
    }
  });

  it('makes a landscape photo thumbnail from the covering copy, at the same size and look as from the whole decode', async () => {
    const picture = await decodeUpright(await busyJpeg(1152, 864), { side: 224 });
    const { covered } = await resizeDecodedWithCover(picture, 224, 224);
    expect(thumbnailSource(picture, covered, 256)).toBe(covered);
    const fromCovered = await sharp(await thumbnailOf(covered, 256))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const fromWhole = await sharp(await thumbnailOf(picture, 256))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([fromCovered.info.width, fromCovered.info.height]).toEqual([256, 192]);
    expect([fromWhole.info.width, fromWhole.info.height]).toEqual([256, 192]);
    let diff = 0;
    for (let i = 0; i < fromWhole.data.length; i++) diff += Math.abs(fromWhole.data[i] - fromCovered.data[i]);
    // Mean difference per channel value, WebP noise included: what a person sees is the same.
    expect(diff / fromWhole.data.length).toBeLessThan(4);
  });

  it('keeps the whole decode where the covering copy would shrink the thumbnail or is not smaller', async () => {
    const square = await decodeUpright(await busyJpeg(640, 640), { side: 224 });
    const tiny = await decodeUpright(await busyJpeg(28, 28), { side: 224 });
    for (const picture of [square, tiny]) {
      const { covered } = await resizeDecodedWithCover(picture, 224, 224);
      expect(thumbnailSource(picture, covered, 256)).toBe(picture);
    }
  });
});
