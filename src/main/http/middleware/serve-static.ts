import { realpath, stat } from 'node:fs/promises';
import { join, relative, isAbsolute, sep } from 'node:path';
import type { Context } from '../context';
import { sendFile } from '../send-file';
import type { Middleware } from '../types';

export interface ServeStaticOptions {
  /** URL prefix the files live under (e.g. `/assets`). Default `/`. */
  prefix?: string;
  /** Answer unknown extension-less paths with `index.html` (client-side routing). */
  spa?: boolean;
  /** Default `index.html`. */
  index?: string;
  /** Cache max-age in seconds for files; `index.html` is always revalidated. Default 0. */
  maxAge?: number;
  /** Files whose name matches are `immutable` (hashed build output). */
  immutable?: RegExp;
  /** Extra headers for every file (e.g. Content-Security-Policy). */
  headers?: Record<string, string>;
}

/**
 * Serves files below `root` for GET and HEAD; anything else falls through to `next()`.
 * A path that could leave the root (`..` in any spelling, an encoded slash, a NUL, a
 * backslash, a symlink pointing out) is treated as not found, never resolved.
 */
export function serveStatic(root: string, opts: ServeStaticOptions = {}): Middleware {
  const prefix = (opts.prefix ?? '/').replace(/\/+$/, '');
  const index = opts.index ?? 'index.html';
  let realRoot: Promise<string> | null = null;
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    let rel = ctx.path;
    if (prefix) {
      if (rel !== prefix && !rel.startsWith(`${prefix}/`)) return next();
      rel = rel.slice(prefix.length) || '/';
    }
    realRoot ??= realpath(root).catch(() => root);
    const base = await realRoot;
    const file = await resolveInside(base, rel, index);
    if (file !== null) return send(ctx, file, index, opts);
    if (opts.spa && !/\.[^/]*$/.test(rel)) {
      const fallback = await resolveInside(base, `/${index}`, index);
      if (fallback !== null) return send(ctx, fallback, index, opts);
    }
    return next();
  };
}

function send(ctx: Context, file: string, index: string, opts: ServeStaticOptions): Promise<void> {
  const name = file.slice(file.lastIndexOf(sep) + 1);
  const isIndex = name === index;
  const immutable = !isIndex && opts.immutable !== undefined && opts.immutable.test(name);
  return sendFile(ctx, file, {
    maxAge: isIndex ? 0 : immutable ? 31_536_000 : (opts.maxAge ?? 0),
    immutable,
    headers: opts.headers,
  });
}

/** The real file for a URL path inside `base`, or null if there is none or it would escape. */
export async function resolveInside(base: string, urlPath: string, index: string): Promise<string | null> {
  if (!isSafeUrlPath(urlPath)) return null;
  let full = join(base, urlPath);
  if (!inside(base, full)) return null;
  try {
    let st = await stat(full);
    if (st.isDirectory()) {
      full = join(full, index);
      st = await stat(full);
    }
    if (!st.isFile()) return null;
    const real = await realpath(full);
    return inside(base, real) ? real : null;
  } catch {
    return null;
  }
}

function isSafeUrlPath(p: string): boolean {
  if (p.includes('\0') || p.includes('\\') || /%2F|%25/i.test(p)) return false;
  for (const seg of p.split('/')) {
    if (seg === '..' || seg === '.') return false;
    if (seg.startsWith('.') && seg !== '.well-known') return false;
  }
  return true;
}

function inside(base: string, full: string): boolean {
  const rel = relative(base, full);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
