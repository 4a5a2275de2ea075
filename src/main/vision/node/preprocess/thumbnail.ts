import sharp from 'sharp';
import type { DecodedPicture } from './preprocess';
import { encodeLosslessWebp, MAX_PIXELS as LOSSLESS_MAX_PIXELS } from './webp-lossless';

/**
 * Thumbnails: `side` px at most on the long side, never enlarged, upright and on white (made
 * from decodeUpright's pixels), WebP. Three ways to one result, by what is cheapest:
 * - a small picture that needs no resize is its own thumbnail, lossless, encoded without sharp
 *   (webp-lossless.ts: sharp's set-up alone cost as much as decoding such a picture);
 * - a photo's thumbnail is shrunk inside the resize graph from its covering step
 *   (resizeWithThumbnail) and only encoded here;
 * - anything else (near-square pictures, whose covering step is smaller than their thumbnail)
 *   is shrunk and encoded by sharp from the whole decode.
 */

/** Every lossy thumbnail's encoding. Effort 0: a third of the CPU of effort 4 for a few % more bytes. */
export const THUMBNAIL_WEBP = { quality: 80, effort: 0 } as const;

export interface Size {
  width: number;
  height: number;
}

/** The thumbnail's size for a `width × height` picture, rounded as sharp's `fit: 'inside'` rounds. */
export function thumbnailSize(width: number, height: number, side: number): Size {
  const factor = Math.max(width / side, height / side);
  if (factor <= 1) return { width, height };
  return width >= height ? { width: side, height: Math.max(1, Math.round(height / factor)) } : { width: Math.max(1, Math.round(width / factor)), height: side };
}

/**
 * Whether the resize graph's covering step (the picture shrunk until its short side is the
 * model's) is a shrink of the picture that is still at least the thumbnail's size: then the
 * thumbnail made from it is the picture's, at a fraction of the cost.
 */
export function shrinksFromCover(picture: DecodedPicture, thumbnail: Size, modelWidth: number, modelHeight: number): boolean {
  const scale = Math.max(modelWidth / picture.width, modelHeight / picture.height);
  if (scale >= 1) return false;
  return thumbnail.width <= Math.floor(picture.width * scale) && thumbnail.height <= Math.floor(picture.height * scale);
}

/** Pixels already at their thumbnail's size, encoded. */
export function encodeThumbnail(rgb: Buffer, width: number, height: number): Promise<Buffer> {
  if (width * height <= LOSSLESS_MAX_PIXELS) return Promise.resolve(encodeLosslessWebp(rgb, width, height));
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .webp(THUMBNAIL_WEBP)
    .toBuffer();
}

/** The thumbnail of decoded pixels, shrunk here if it must be. */
export function thumbnailOf(picture: DecodedPicture, side: number): Promise<Buffer> {
  const size = thumbnailSize(picture.width, picture.height, side);
  if (size.width === picture.width && size.height === picture.height) return encodeThumbnail(picture.pixels, size.width, size.height);
  return sharp(picture.pixels, { raw: { width: picture.width, height: picture.height, channels: 3 } })
    .resize(side, side, { fit: 'inside', withoutEnlargement: true })
    .webp(THUMBNAIL_WEBP)
    .toBuffer();
}
