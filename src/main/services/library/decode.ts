import sharp, { type Metadata, type SharpOptions } from 'sharp';
import { THUMBNAIL_WEBP } from '../../vision/node/preprocess/thumbnail';

/** Pictures larger than this many pixels are refused before they are decoded (decompression bombs). */
export const MAX_INPUT_PIXELS = 128_000_000;
export const THUMBNAIL_SIZE = 256;

/** Formats Loupe keeps, by sharp's decoder name, with the extension the library file gets. */
const EXTENSIONS: Record<string, string> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tif',
  avif: 'avif',
  heif: 'heic',
};

export interface DecodedImage {
  ext: string;
  /** Size as the person sees it, after EXIF rotation. */
  width: number;
  height: number;
  thumbnail: Buffer;
}

/** Why a file is not taken into the library; `code` is stable, `message` is for a person. */
export class ImageRejection extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ImageRejection';
  }
}

function options(): SharpOptions {
  // 'warning' is sharp's strictest level: a truncated or damaged file fails instead of
  // yielding a half-grey picture that would poison training.
  return { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'warning' };
}

function classify(err: unknown): ImageRejection {
  const text = err instanceof Error ? err.message : String(err);
  if (/unsupported image format/i.test(text)) {
    return new ImageRejection('unsupported_media_type', 'Not a picture Loupe can read (JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIF).');
  }
  if (/pixel limit/i.test(text)) {
    return new ImageRejection('too_large', `The picture has more than ${MAX_INPUT_PIXELS / 1e6} megapixels.`);
  }
  return new ImageRejection('bad_image', 'The picture is damaged or truncated and cannot be decoded.');
}

export type InspectedImage = Omit<DecodedImage, 'thumbnail'>;

/** The library extension of a format sharp names, or null when Loupe does not keep that format. */
export function extensionOf(format: string): string | null {
  return EXTENSIONS[format] ?? null;
}

const startsWith = (bytes: Buffer, at: number, ascii: string) => bytes.length >= at + ascii.length && bytes.toString('latin1', at, at + ascii.length) === ascii;

/**
 * The extension the file's first bytes promise, for the common formats whose signature is
 * unambiguous (null for the rest: AVIF and HEIF share one container). Only a guess until a
 * decoder agrees: it names the library file before the header is parsed where the picture
 * is decoded (see Ingestor.decode), and a picture whose decoder says otherwise takes the slow path.
 */
export function sniffExtension(bytes: Buffer): string | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpg';
  if (startsWith(bytes, 0, '\x89PNG\r\n\x1a\n')) return 'png';
  if (startsWith(bytes, 0, 'GIF87a') || startsWith(bytes, 0, 'GIF89a')) return 'gif';
  if (startsWith(bytes, 0, 'RIFF') && startsWith(bytes, 8, 'WEBP')) return 'webp';
  if (startsWith(bytes, 0, 'II*\x00') || startsWith(bytes, 0, 'MM\x00*')) return 'tif';
  return null;
}

/** The header alone: a supported format (its library extension) and the size after EXIF rotation; nothing is decoded. */
export async function inspectImage(bytes: Buffer): Promise<InspectedImage> {
  if (bytes.length === 0) throw new ImageRejection('empty_file', 'The file is empty.');
  let meta: Metadata;
  try {
    meta = await sharp(bytes, options()).metadata();
  } catch (err) {
    throw classify(err);
  }
  const ext = EXTENSIONS[meta.format];
  if (!ext) throw new ImageRejection('unsupported_media_type', `Pictures in ${meta.format.toUpperCase()} format are not supported.`);
  return { ext, width: meta.autoOrient?.width ?? meta.width, height: meta.autoOrient?.height ?? meta.height };
}

/**
 * Checks that the bytes are a whole, supported picture and makes its 256 px WebP
 * thumbnail (EXIF rotation applied). Decoding the full image for the thumbnail is what
 * catches truncated files, so the check costs nothing extra.
 */
export async function decodeImage(bytes: Buffer): Promise<DecodedImage> {
  const { ext, width, height } = await inspectImage(bytes);
  try {
    const thumbnail = await sharp(bytes, options())
      .autoOrient()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp(THUMBNAIL_WEBP)
      .toBuffer();
    return { ext, width, height, thumbnail };
  } catch (err) {
    throw classify(err);
  }
}
