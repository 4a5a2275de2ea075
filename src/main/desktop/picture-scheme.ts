import { readFile } from 'node:fs/promises';
import { contentTypeFor } from '../http/mime';

/** The desktop window's private scheme for pictures (its name is in the CSP's img-src). */
export const PICTURE_SCHEME = 'loupe-thumb';

/** Where a picture's bytes lie; the library service answers both (and throws for an unknown id). */
export interface PictureFiles {
  thumbnail(imageId: string): Promise<{ webp: Buffer }>;
  originalPath(imageId: string): { path: string; ext: string };
}

/**
 * `loupe-thumb://image/ID`: the 256 px WebP thumbnail (grid, review); `loupe-thumb://file/ID`:
 * the original picture, for the full-size viewer (it showed the thumbnail, blown up, before).
 * Read directly, not through net.fetch(file://): the app needs no file:// access at all.
 * Content-addressed, so the bytes behind an id never change and may be cached for good.
 */
export async function servePicture(files: PictureFiles, url: string): Promise<Response> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return new Response('Bad request', { status: 400 });
  }
  const id = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (u.protocol !== `${PICTURE_SCHEME}:` || id.length === 0 || (u.host !== 'image' && u.host !== 'file')) return new Response('Not found', { status: 404 });
  try {
    const original = u.host === 'file' ? files.originalPath(id) : null;
    const bytes = original ? await readFile(original.path) : (await files.thumbnail(id)).webp;
    const type = original ? contentTypeFor(`x.${original.ext}`) : 'image/webp';
    return new Response(new Uint8Array(bytes), { headers: { 'content-type': type, 'cache-control': 'max-age=31536000, immutable' } });
  } catch {
    return new Response('Not found', { status: 404 });
  }
}
