import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import { VisionError } from '../errors';

/**
 * The one resize Loupe applies before any model, documented so that callers of an exported
 * ONNX file can match it exactly:
 *
 * 1. decode the first frame/page only (animated GIF/WebP, multi-page TIFF);
 * 2. rotate upright from the EXIF orientation, then drop the orientation tag;
 * 3. composite any alpha channel onto white;
 * 4. convert to 8-bit sRGB (greyscale, CMYK, 16-bit and ICC-tagged inputs included);
 * 5. resize with sharp `fit: 'cover'`, `position: 'centre'` (scale the short side to the target,
 *    crop the centre), kernel lanczos3 (JPEG shrink-on-load may do part of the downscale);
 * 6. hand out raw interleaved RGB bytes, row-major: `[height][width][3]` uint8.
 *
 * With sharp: `sharp(file).rotate().flatten({background:'#ffffff'}).toColourspace('srgb')
 * .resize(224, 224, {fit:'cover', position:'centre', kernel:'lanczos3'}).removeAlpha()
 * .raw({depth:'uchar'})`. With Pillow the closest is `ImageOps.exif_transpose`, `convert('RGB')`
 * on white, `ImageOps.fit(img, (224, 224), Image.LANCZOS)`.
 */
export interface PreprocessOptions {
  width: number;
  height: number;
  /** Refuse images with more pixels than this before decoding them (decompression bombs). Default 100 MP. */
  limitInputPixels?: number;
}

export const DEFAULT_LIMIT_INPUT_PIXELS = 100_000_000;

/** Maps libvips/sharp failures to error values a person can act on. */
export function imageError(err: unknown, what: string): VisionError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg)) {
    return new VisionError('image_too_large', `${what} has too many pixels to decode safely; reduce its size or raise the pixel limit.`);
  }
  if (/unsupported image format/i.test(msg)) {
    return new VisionError('image_unsupported', `${what} is not an image format Loupe can read (JPEG, PNG, WebP, GIF, AVIF, TIFF, SVG).`);
  }
  if (/premature end|truncated|corrupt|invalid|bad|not a|unexpected end|read error|decode|Input file contains/i.test(msg)) {
    return new VisionError('image_corrupt', `${what} is damaged or incomplete and cannot be decoded.`);
  }
  return new VisionError('image_corrupt', `${what} could not be decoded (${msg.split('\n')[0]}).`);
}

function describe(input: Buffer | string): string {
  return typeof input === 'string' ? `The file ${input}` : 'The image';
}

/** Decodes and resizes one image to raw RGB bytes (`height*width*3`), or throws a VisionError. */
export async function preprocessImage(input: Buffer | string, opts: PreprocessOptions): Promise<Buffer> {
  const what = describe(input);
  if (typeof input === 'string') {
    const s = await stat(input).catch(() => undefined);
    if (!s || !s.isFile()) throw new VisionError('image_not_found', `${what} does not exist or is not a file.`);
    if (s.size === 0) throw new VisionError('image_empty', `${what} is empty (0 bytes).`);
  } else if (input.length === 0) {
    throw new VisionError('image_empty', 'The image is empty (0 bytes).');
  }
  try {
    const { data, info } = await sharp(input, {
      limitInputPixels: opts.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS,
      failOn: 'truncated',
      animated: false,
      sequentialRead: true,
    })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .resize(opts.width, opts.height, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels === 3) return data;
    // A single-band result (rare: some 1-bit inputs) is widened to RGB.
    const out = Buffer.alloc(opts.width * opts.height * 3);
    for (let i = 0, p = 0; p < out.length; i += info.channels) {
      out[p++] = data[i];
      out[p++] = data[i];
      out[p++] = data[i];
    }
    return out;
  } catch (err) {
    if (err instanceof VisionError) throw err;
    throw imageError(err, what);
  }
}
