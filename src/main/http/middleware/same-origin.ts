import type { Context } from '../context';
import { HttpError } from '../errors';
import type { Middleware } from '../types';

/** Methods a browser may send cross-site without a preflight are not all "safe"; these change state. */
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `http://HOST:PORT` of the server this request was sent to (the Host header), normalised; null when malformed. */
export function ownOrigin(ctx: Context): string | null {
  const host = ctx.req.headers.host;
  // A bare host[:port] only: anything else (paths, user info) could make URL() mean another origin.
  if (!host || !/^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i.test(host)) return null;
  const scheme = (ctx.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  try {
    return new URL(`${scheme}://${host}`).origin;
  } catch {
    return null;
  }
}

function normalOrigin(origin: string): string | null {
  try {
    const o = new URL(origin).origin;
    return o === 'null' ? null : o;
  } catch {
    return null;
  }
}

/**
 * Did the browser say this request comes from a page of this very origin (scheme, host
 * AND port)? Cookies, even SameSite=Strict ones, are scoped by site, not port, so a page
 * on another local port carries them. Two signals count: `Origin` equal to the server's
 * own origin, and `Sec-Fetch-Site: same-origin`. Every signal present must agree, and at
 * least one must be present: a request with neither is not from a browser page we can
 * vouch for.
 */
export function fromOwnOrigin(ctx: Context): boolean {
  const site = ctx.req.headers['sec-fetch-site'];
  const origin = ctx.req.headers.origin;
  if (site === undefined && origin === undefined) return false;
  if (site !== undefined && site !== 'same-origin') return false;
  if (origin !== undefined) {
    const own = ownOrigin(ctx);
    if (own === null || normalOrigin(origin) !== own) return false;
  }
  return true;
}

/** A request that changes state: an unsafe method, or a WebSocket upgrade (which can then do anything). */
export function changesState(ctx: Context): boolean {
  return UNSAFE.has(ctx.method) || ctx.upgrade !== null;
}

export interface SameOriginOptions {
  /** Which requests the rule covers (e.g. those authenticated by a cookie). Default: all. */
  applies?: (ctx: Context) => boolean;
}

/**
 * Refuses state-changing requests (POST/PUT/PATCH/DELETE, WebSocket upgrades) that do not
 * come from the server's own origin, with a 403 `cross_origin`. Safe methods pass.
 */
export function sameOriginOnly(opts: SameOriginOptions = {}): Middleware {
  return (ctx, next) => {
    if (changesState(ctx) && (opts.applies?.(ctx) ?? true)) assertOwnOrigin(ctx);
    return next();
  };
}

export function assertOwnOrigin(ctx: Context): void {
  if (fromOwnOrigin(ctx)) return;
  const own = ownOrigin(ctx) ?? 'this server';
  throw new HttpError(
    403,
    'cross_origin',
    `This request came from another origin than ${own}; a page on another site or port cannot act with Loupe's session cookie. Tools should send the API token (Authorization: Bearer).`,
  );
}
