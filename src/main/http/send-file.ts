import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Context } from './context';
import { HttpError, errors } from './errors';
import { contentTypeFor } from './mime';
import { sendStream } from './stream';

export interface SendFileOptions {
  /** Confine the file to this folder: `path` is then resolved inside it and may not leave it. */
  root?: string;
  /** Cache-Control max-age in seconds (default 0: `no-cache`, revalidated by ETag). */
  maxAge?: number;
  immutable?: boolean;
  contentType?: string;
  /** Sends `Content-Disposition: attachment`, with this file name when a string. */
  download?: boolean | string;
  /** Extra headers (e.g. a Content-Security-Policy for HTML). */
  headers?: Record<string, string>;
}

/**
 * Sends one file as the answer: validators (weak ETag from size and mtime, Last-Modified),
 * conditional 304s, a single byte range (206/416), and HEAD without opening the file.
 */
export async function sendFile(ctx: Context, path: string, opts: SendFileOptions = {}): Promise<void> {
  const file = opts.root ? confine(opts.root, path) : path;
  if (file.includes('\0')) throw errors.notFound('No such file.');
  let st;
  try {
    st = await stat(file);
  } catch {
    throw errors.notFound('No such file.');
  }
  if (!st.isFile()) throw errors.notFound('No such file.');

  const req = ctx.req;
  const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  const lastModified = new Date(Math.floor(st.mtimeMs / 1000) * 1000);
  ctx.header('etag', etag);
  ctx.header('last-modified', lastModified.toUTCString());
  ctx.header('accept-ranges', 'bytes');
  ctx.header('cache-control', cacheControl(opts));
  if (opts.download) {
    const name = typeof opts.download === 'string' ? opts.download : (file.split(/[\\/]/).pop() ?? 'download');
    ctx.header('content-disposition', `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`);
  }
  if (opts.headers) for (const k in opts.headers) ctx.header(k, opts.headers[k]);

  if (ctx.method === 'GET' || ctx.method === 'HEAD') {
    if (notModified(req.headers['if-none-match'], req.headers['if-modified-since'], etag, lastModified)) {
      ctx.end(304, '', '');
      return;
    }
  }

  const type = opts.contentType ?? contentTypeFor(file);
  let start = 0;
  let end = st.size - 1;
  let status = ctx.statusCode;
  const range = req.headers.range;
  if (
    range !== undefined &&
    (ctx.method === 'GET' || ctx.method === 'HEAD') &&
    ifRangeHolds(req.headers['if-range'] as string | undefined, etag, lastModified)
  ) {
    const r = parseRange(range, st.size);
    if (r === 'unsatisfiable') {
      throw new HttpError(416, 'range_not_satisfiable', `The range is outside the file of ${st.size} bytes.`, {
        headers: { 'Content-Range': `bytes */${st.size}` },
      });
    }
    if (r !== null) {
      [start, end] = r;
      status = 206;
      ctx.header('content-range', `bytes ${start}-${end}/${st.size}`);
    }
  }
  const length = st.size === 0 ? 0 : end - start + 1;
  ctx.header('content-length', length);
  if (ctx.claim()) return;
  if (ctx.method === 'HEAD' || length === 0) {
    ctx.res.statusCode = status;
    ctx.res.setHeader('content-type', type);
    ctx.res.end();
    return;
  }
  await sendStream(ctx, createReadStream(file, { start, end }), type, status);
}

/** Resolves `path` inside `root`; anything that would leave it is a 404 (not a 403: no hint). */
export function confine(root: string, path: string): string {
  const base = resolve(root);
  const full = resolve(base, `.${path.startsWith('/') ? '' : '/'}${path}`);
  const rel = relative(base, full);
  if (rel.startsWith('..') || isAbsolute(rel) || path.includes('\0')) throw errors.notFound('No such file.');
  return full;
}

export interface SendBytesOptions {
  /** The validator, strong (`"…"`) or weak (`W/"…"`): the bytes behind it never differ. */
  etag: string;
  contentType: string;
  /** Cache-Control max-age in seconds (default 0: `no-cache`, revalidated by ETag). */
  maxAge?: number;
  immutable?: boolean;
}

/** Sends bytes held in memory with sendFile's caching: the caller's ETag, Cache-Control, and a 304 to a matching If-None-Match. */
export function sendBytes(ctx: Context, bytes: Buffer, opts: SendBytesOptions): void {
  ctx.header('etag', opts.etag);
  ctx.header('cache-control', cacheControl(opts));
  if ((ctx.method === 'GET' || ctx.method === 'HEAD') && notModified(ctx.req.headers['if-none-match'], undefined, opts.etag, null)) {
    ctx.end(304, '', '');
    return;
  }
  ctx.end(ctx.statusCode, bytes, opts.contentType);
}

function cacheControl(opts: { maxAge?: number; immutable?: boolean }): string {
  const maxAge = opts.maxAge ?? 0;
  return maxAge > 0 ? `public, max-age=${maxAge}${opts.immutable ? ', immutable' : ''}` : 'no-cache';
}

/** If-None-Match compares weakly (RFC 9110 §13.1.2): `W/` aside, the tags must be equal. */
function notModified(inm: string | undefined, ims: string | undefined, etag: string, lm: Date | null): boolean {
  if (inm !== undefined) {
    if (inm.trim() === '*') return true;
    const opaque = (t: string) => t.trim().replace(/^W\//, '');
    const mine = opaque(etag);
    return inm.split(',').some((t) => opaque(t) === mine);
  }
  if (ims !== undefined && lm !== null) {
    const t = Date.parse(ims);
    return !Number.isNaN(t) && lm.getTime() <= t;
  }
  return false;
}

function ifRangeHolds(ifRange: string | undefined, etag: string, lm: Date): boolean {
  if (ifRange === undefined) return true;
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return ifRange === etag;
  const t = Date.parse(ifRange);
  return !Number.isNaN(t) && lm.getTime() <= t;
}

/** One `bytes=` range; multiple ranges fall back to the whole file (allowed by RFC 9110). */
export function parseRange(header: string, size: number): [number, number] | null | 'unsatisfiable' {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  let start: number;
  let end: number;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return [start, end];
}
