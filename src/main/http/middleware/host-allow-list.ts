import { HttpError } from '../errors';
import type { Middleware } from '../types';

export interface HostAllowListOptions {
  /** Host names allowed (without port), or `'loopback'` for 127.0.0.1, localhost and [::1]. */
  hosts: readonly string[] | 'loopback';
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

/**
 * Guards against DNS rebinding: a page on evil.example that resolves to 127.0.0.1 still
 * sends `Host: evil.example`. Anything not listed is a 421 `misdirected`, whatever else the
 * request carries, so put this before auth.
 */
export function hostAllowList(opts: HostAllowListOptions): Middleware {
  const allowed = new Set((opts.hosts === 'loopback' ? LOOPBACK : opts.hosts).map((h) => h.toLowerCase()));
  return (ctx, next) => {
    const host = hostName(ctx.req.headers.host);
    if (host === null || !allowed.has(host)) {
      throw new HttpError(421, 'misdirected', 'This server does not answer for that Host.');
    }
    return next();
  };
}

/** `example.com:80` → `example.com`; `[::1]:8080` → `::1`; null when absent or malformed. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end === -1) return null;
    const rest = h.slice(end + 1);
    if (rest && !/^:\d{1,5}$/.test(rest)) return null;
    return h.slice(1, end);
  }
  const colon = h.indexOf(':');
  if (colon === -1) return h;
  if (!/^\d{1,5}$/.test(h.slice(colon + 1))) return null;
  return h.slice(0, colon);
}
