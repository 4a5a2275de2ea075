import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { VisionError } from '../../pure/errors';
import { FileRefused, readRegularFile } from './read-file';
import { resizeModel } from './resize-graph';
import { encodeThumbnail, shrinksFromCover, thumbnailOf, thumbnailSize } from './thumbnail';

/**
 * How Loupe turns a picture into a model's pixels, in two steps that any image library can
 * reproduce (the exported ONNX file's `preprocessing` metadata says the same in words):
 *
 * Decode (`decodeUpright`), steps every library does identically on lossless formats:
 * 1. decode the first frame/page only (animated GIF/WebP, multi-page TIFF);
 * 2. rotate upright from the EXIF orientation;
 * 3. composite any alpha channel onto white;
 * 4. convert to 8-bit sRGB RGB (greyscale, CMYK, 16-bit and ICC-tagged inputs included);
 * 5. pictures over 4 megapixels only: shrink by the whole factor that keeps the short side
 *    at least twice the model's side (for time and memory; libvips, JPEG shrink-on-load
 *    included, which Pillow's `draft` + `Image.reduce` come close to), so this step alone
 *    is not exact across libraries;
 * giving raw interleaved RGB bytes, row-major `[height][width][3]`.
 *
 * Resize (`resize-graph.ts`): the ONNX Resize that every exported file also carries, run
 * with onnxruntime: cover the model's side (linear, antialiased, half-pixel), crop the
 * centre, round. Pillow: `ImageOps.exif_transpose`, alpha onto white, `convert('RGB')`, and
 * hand the file those pixels; it resizes them itself.
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

/** Pictures with more pixels than this are shrunk by a whole factor while decoding (time and memory: a 12 MP photo took 0.8 s whole). */
export const MAX_DIRECT_PIXELS = 4_000_000;

export interface DecodedPicture {
  width: number;
  height: number;
  /** Interleaved RGB, row-major, `height * width * 3` bytes. */
  pixels: Buffer;
  /** What the file's header said: sharp's format name and the size upright (before any step-5 shrink). */
  source: { format: string; width: number; height: number };
}

/** Largest picture file read from a path (the decoded size is bounded by limitInputPixels). */
export const MAX_PICTURE_FILE_BYTES = 256 * 2 ** 20;

const REFUSAL_CODE = { not_found: 'image_not_found', not_a_file: 'image_not_a_file', empty: 'image_empty', too_large: 'image_too_large' } as const;

/**
 * The encoded bytes: a path is read here, refusing pipes, devices and folders without
 * waiting on them (read-file.ts), and libvips is handed the bytes, never the name.
 */
async function bytesOf(input: Buffer | string): Promise<Buffer> {
  if (typeof input !== 'string') {
    if (input.length === 0) throw new VisionError('image_empty', 'The image is empty (0 bytes).');
    return input;
  }
  try {
    return await readRegularFile(input, MAX_PICTURE_FILE_BYTES);
  } catch (err) {
    if (err instanceof FileRefused) throw new VisionError(REFUSAL_CODE[err.reason], err.message);
    throw new VisionError('image_not_found', `The file ${input} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
  }
}

/** Steps 1–5 above: the picture upright, on white, as sRGB bytes at its own size (or a whole fraction of it, past 4 MP). */
export async function decodeUpright(
  input: Buffer | string,
  opts: {
    side: number;
    limitInputPixels?: number;
    /** 'warning' also refuses pictures with damaged data that still decode (a library's import check); the pixels are the same. */
    failOn?: 'truncated' | 'warning';
  },
): Promise<DecodedPicture> {
  const what = describe(input);
  const bytes = await bytesOf(input);
  const failOn = opts.failOn ?? 'truncated';
  const load = () => sharp(bytes, { limitInputPixels: opts.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS, failOn, animated: false, sequentialRead: true });
  try {
    let img = load().rotate().flatten({ background: '#ffffff' }).toColourspace('srgb');
    const meta = await load().metadata();
    const w = meta.width ?? 0;
    const h = meta.pageHeight ?? meta.height ?? 0;
    if (w * h > MAX_DIRECT_PIXELS) {
      const factor = Math.max(1, Math.floor(Math.min(w, h) / (2 * opts.side)));
      const upright = (meta.orientation ?? 1) >= 5;
      const [ow, oh] = upright ? [h, w] : [w, h];
      if (factor > 1) img = img.resize(Math.floor(ow / factor), Math.floor(oh / factor), { fit: 'fill', kernel: 'linear' });
    }
    const source = { format: meta.format, width: meta.autoOrient?.width ?? meta.width ?? 0, height: meta.autoOrient?.height ?? meta.height ?? 0 };
    const { data, info } = await img.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels === 3) return { width: info.width, height: info.height, pixels: data, source };
    // A single-band result (rare: some 1-bit inputs) is widened to RGB.
    const out = Buffer.alloc(info.width * info.height * 3);
    for (let i = 0, p = 0; p < out.length; i += info.channels) {
      out[p++] = data[i];
      out[p++] = data[i];
      out[p++] = data[i];
    }
    return { width: info.width, height: info.height, pixels: out, source };
  } catch (err) {
    if (err instanceof VisionError) throw err;
    throw imageError(err, what);
  }
}

const resizers = new Map<string, Promise<ort.InferenceSession>>();

function resizer(width: number, height: number, thumbnail = false): Promise<ort.InferenceSession> {
  const key = `${width}x${height}${thumbnail ? '+thumbnail' : ''}`;
  let s = resizers.get(key);
  if (!s) {
    // One thread: pictures are prepared many at a time, beside the backbone's own threads.
    s = ort.InferenceSession.create(resizeModel(width, height, { thumbnail }), { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
    resizers.set(key, s);
  }
  return s;
}

/** The resize step alone, on decoded pixels: exactly what an exported file does inside. */
export async function resizeDecoded(picture: DecodedPicture, width: number, height: number): Promise<Buffer> {
  const session = await resizer(width, height);
  const out = await session.run({ image: new ort.Tensor('uint8', picture.pixels, [1, picture.height, picture.width, 3]) });
  const data = out.resized.data as Uint8Array;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * resizeDecoded's pixels (the same nodes compute them) and the picture's thumbnail (WebP,
 * `side` px at most), from one run of the resize graph where that is cheapest: a photo's
 * thumbnail is shrunk from the graph's covering step (short side at the model's size) instead
 * of from the whole decode (sharp spent about 3 ms just taking 3 MB of raw pixels in).
 */
export async function resizeWithThumbnail(
  picture: DecodedPicture,
  width: number,
  height: number,
  side: number,
): Promise<{ pixels: Buffer; thumbnail: Buffer }> {
  const size = thumbnailSize(picture.width, picture.height, side);
  if (!shrinksFromCover(picture, size, width, height)) {
    // The plain graph: asking the other one for a 1×1 thumbnail still costs a pass over the picture.
    const [pixels, thumbnail] = await Promise.all([resizeDecoded(picture, width, height), thumbnailOf(picture, side)]);
    return { pixels, thumbnail };
  }
  const session = await resizer(width, height, true);
  const out = await session.run({
    image: new ort.Tensor('uint8', picture.pixels, [1, picture.height, picture.width, 3]),
    thumbnail_size: new ort.Tensor('int64', [BigInt(size.height), BigInt(size.width)], [2]),
  });
  const asBuffer = (t: ort.Tensor) => {
    const d = t.data as Uint8Array;
    return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  };
  return { pixels: asBuffer(out.resized), thumbnail: await encodeThumbnail(asBuffer(out.thumbnail), size.width, size.height) };
}

/** Decodes and resizes one image to raw RGB bytes (`height*width*3`), or throws a VisionError. */
export async function preprocessImage(input: Buffer | string, opts: PreprocessOptions): Promise<Buffer> {
  const picture = await decodeUpright(input, { side: Math.max(opts.width, opts.height), limitInputPixels: opts.limitInputPixels });
  return resizeDecoded(picture, opts.width, opts.height);
}
