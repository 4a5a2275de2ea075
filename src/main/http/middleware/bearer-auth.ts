import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context } from '../context';
import { HttpError } from '../errors';
import type { Middleware } from '../types';

export interface BearerAuthOptions {
  /** The expected token, or a function returning it (so a rotated token takes effect at once). */
  token: string | (() => string);
  /** Requests for which no token is needed (e.g. a health check). */
  exclude?: (ctx: Context) => boolean;
  /** Accept `?token=` on WebSocket upgrades, where browsers cannot set headers. Default true. */
  queryForUpgrades?: boolean;
}

/**
 * `Authorization: Bearer TOKEN`, compared in constant time (of hashes, so the length is not
 * leaked either). Missing or wrong: 401 `unauthorized` with `WWW-Authenticate: Bearer`.
 */
export function bearerAuth(opts: BearerAuthOptions): Middleware {
  const getToken = typeof opts.token === 'function' ? opts.token : () => opts.token as string;
  const allowQuery = opts.queryForUpgrades ?? true;
  return (ctx, next) => {
    if (opts.exclude?.(ctx)) return next();
    let given: string | null = null;
    const h = ctx.req.headers.authorization;
    if (typeof h === 'string' && /^bearer /i.test(h)) given = h.slice(7).trim();
    else if (allowQuery && ctx.upgrade !== null) given = ctx.query.get('token');
    const expected = getToken();
    if (!given || !expected || !sameSecret(given, expected)) {
      throw new HttpError(401, 'unauthorized', given ? 'The token is not valid.' : 'A bearer token is required.', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    return next();
  };
}

export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
