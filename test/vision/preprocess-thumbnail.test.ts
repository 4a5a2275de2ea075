import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeUpright, resizeDecoded, resizeWithThumbnail } from '../../src/main/vision/node/preprocess/preprocess';
import { shrinksFromCover, thumbnailOf, thumbnailSize } from '../../src/main/vision/node/preprocess/thumbnail';

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

const raw = (webp: Buffer) => sharp(webp).raw().toBuffer({ resolveWithObject: true });

describe('the import decode: model pixels and the thumbnail from one resize', () => {
  it('gives the model exactly the pixels of the plain resize, and a thumbnail of the right size, whatever the shape', async () => {
    for (const [w, h] of [
      [1152, 864],
      [864, 1152],
      [640, 640],
      [2000, 500],
      [28, 28],
      [300, 225],
      [100, 40],
    ]) {
      const picture = await decodeUpright(await busyJpeg(w, h), { side: 224 });
      const plain = await resizeDecoded(picture, 224, 224);
      const both = await resizeWithThumbnail(picture, 224, 224, 256);
      expect(both.pixels.equals(plain), `${w}×${h}`).toBe(true);
      const thumb = await raw(both.thumbnail);
      expect([thumb.info.width, thumb.info.height], `${w}×${h}`).toEqual([thumbnailSize(w, h, 256).width, thumbnailSize(w, h, 256).height]);
    }
  });

  it('rounds thumbnail sizes as sharp does', async () => {
    for (const [w, h] of [
      [1152, 864],
      [1000, 1],
      [1, 1000],
      [257, 256],
      [300, 225],
      [333, 999],
      [28, 28],
    ]) {
      const { info } = await sharp({ create: { width: w, height: h, channels: 3, background: '#808080' } })
        .resize(256, 256, { fit: 'inside', withoutEnlargement: true })
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(thumbnailSize(w, h, 256), `${w}×${h}`).toEqual({ width: info.width, height: info.height });
    }
  });

  it('shrinks a photo’s thumbnail from the covering step, looking as sharp’s from the whole decode does', async () => {
    for (const [w, h] of [
      [1152, 864],
      [864, 1152],
    ]) {
      const picture = await decodeUpright(await busyJpeg(w, h), { side: 224 });
      expect(shrinksFromCover(picture, thumbnailSize(w, h, 256), 224, 224)).toBe(true);
      const fromGraph = await raw((await resizeWithThumbnail(picture, 224, 224, 256)).thumbnail);
      const fromWhole = await raw(await thumbnailOf(picture, 256));
      expect([fromGraph.info.width, fromGraph.info.height]).toEqual([fromWhole.info.width, fromWhole.info.height]);
      let diff = 0;
      for (let i = 0; i < fromWhole.data.length; i++) diff += Math.abs(fromWhole.data[i] - fromGraph.data[i]);
      // Mean difference per channel value, WebP noise included: what a person sees is the same.
      expect(diff / fromWhole.data.length, `${w}×${h}`).toBeLessThan(4);
    }
  });

  it('uses the whole decode where the covering step is smaller than the thumbnail or no shrink at all', async () => {
    for (const [w, h] of [
      [640, 640],
      [28, 28],
      [200, 150],
    ]) {
      const picture = await decodeUpright(await busyJpeg(w, h), { side: 224 });
      expect(shrinksFromCover(picture, thumbnailSize(w, h, 256), 224, 224), `${w}×${h}`).toBe(false);
    }
  });

  it('makes a small picture its own thumbnail, pixel for pixel', async () => {
    const picture = await decodeUpright(await busyJpeg(28, 28), { side: 224 });
    const { thumbnail } = await resizeWithThumbnail(picture, 224, 224, 256);
    const back = await raw(thumbnail);
    expect([back.info.width, back.info.height]).toEqual([28, 28]);
    expect(back.data.equals(picture.pixels)).toBe(true);
  });
});
