import type { Context } from '../context';
import { HttpError } from '../errors';
import type { Middleware } from '../types';

export interface CorsOptions {
  /** Allowed origins: a list, `'*'`, or a predicate. Default: none (CORS closed). */
  origins?: readonly string[] | '*' | ((origin: string, ctx: Context) => boolean);
  methods?: readonly string[];
  allowHeaders?: readonly string[];
  exposeHeaders?: readonly string[];
  credentials?: boolean;
  /** Preflight cache in seconds. Default 600. */
  maxAge?: number;
}

/**
 * CORS with an allow-list. A preflight from an allowed origin is answered here (204);
 * from any other origin it is a 403, so a browser never sees permissive headers it should
 * not. Simple requests from other origins pass through without CORS headers (the browser
 * then hides the answer), because the server cannot tell them apart from non-browser calls.
 */
export function cors(opts: CorsOptions = {}): Middleware {
  const methods = (opts.methods ?? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).join(', ');
  const allowHeaders = opts.allowHeaders?.join(', ');
  const expose = opts.exposeHeaders?.join(', ');
  const maxAge = String(opts.maxAge ?? 600);
  const list = opts.origins;
  if (list === '*' && opts.credentials) throw new Error("cors: credentials cannot be combined with origins '*'.");
  const allowed = (origin: string, ctx: Context): boolean => {
    if (list === undefined) return false;
    if (list === '*') return true;
    if (typeof list === 'function') return list(origin, ctx);
    return list.includes(origin);
  };
  return (ctx, next) => {
    const origin = ctx.req.headers.origin;
    if (origin === undefined) return next();
    const ok = allowed(origin, ctx);
    const preflight = ctx.method === 'OPTIONS' && ctx.req.headers['access-control-request-method'] !== undefined;
    ctx.appendHeader('vary', 'Origin');
    if (!ok) {
      if (preflight) throw new HttpError(403, 'cors_forbidden', `Origin ${origin} is not allowed.`);
      return next();
    }
    ctx.header('access-control-allow-origin', list === '*' ? '*' : origin);
    if (opts.credentials) ctx.header('access-control-allow-credentials', 'true');
    if (preflight) {
      ctx.header('access-control-allow-methods', methods);
      const reqHeaders = ctx.req.headers['access-control-request-headers'];
      const h = allowHeaders ?? (typeof reqHeaders === 'string' ? reqHeaders : undefined);
      if (h) ctx.header('access-control-allow-headers', h);
      ctx.header('access-control-max-age', maxAge);
      ctx.empty(204);
      return;
    }
    if (expose) ctx.header('access-control-expose-headers', expose);
    return next();
  };
}
