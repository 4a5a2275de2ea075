import { randomBytes } from 'node:crypto';
import type { Context } from '../context';
import { HttpError } from '../errors';
import type { Middleware } from '../types';
import { sameSecret } from './bearer-auth';
import { hostName } from './host-allow-list';

export interface CsrfOptions {
  cookieName?: string;
  /** Header a script sends the token in. Default `x-csrf-token`. */
  header?: string;
  /** Form field a page sends the token in. Default `_csrf`. */
  field?: string;
}

const STATE_KEY = 'csrfToken';

/** The token to embed in a form (`<input type="hidden" name="_csrf" value="...">`). */
export function csrfToken(ctx: Context): string {
  const t = ctx.state[STATE_KEY];
  if (typeof t !== 'string') throw new Error('csrfToken() needs the csrf() middleware.');
  return t;
}

/**
 * Double-submit CSRF protection for form posts: a random token in a `SameSite=Strict`,
 * `HttpOnly` cookie must come back in the `x-csrf-token` header or the `_csrf` field of a
 * urlencoded form on every POST/PUT/PATCH/DELETE, and a cross-site `Origin` is refused.
 * Failure is a 403 `csrf`.
 */
export function csrf(opts: CsrfOptions = {}): Middleware {
  const cookieName = opts.cookieName ?? 'csrf';
  const header = (opts.header ?? 'x-csrf-token').toLowerCase();
  const field = opts.field ?? '_csrf';
  return async (ctx, next) => {
    let token = ctx.cookies[cookieName];
    if (!token || !/^[A-Za-z0-9_-]{32,}$/.test(token)) {
      token = randomBytes(24).toString('base64url');
      ctx.setCookie(cookieName, token, { httpOnly: true, sameSite: 'Strict' });
    }
    ctx.state[STATE_KEY] = token;
    const m = ctx.method;
    if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS') return next();
    const origin = ctx.req.headers.origin;
    if (origin !== undefined && origin !== 'null') {
      let same = false;
      try {
        same = new URL(origin).hostname === hostName(ctx.req.headers.host);
      } catch {
        same = false;
      }
      if (!same) throw new HttpError(403, 'csrf', 'Cross-site form posts are not allowed.');
    }
    let given = ctx.req.headers[header];
    if (typeof given !== 'string' && (ctx.req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      const f = (await ctx.form())[field];
      given = typeof f === 'string' ? f : undefined;
    }
    if (typeof given !== 'string' || !ctx.cookies[cookieName] || !sameSecret(given, ctx.cookies[cookieName])) {
      throw new HttpError(403, 'csrf', 'The form is missing its CSRF token or it is stale; reload the page and try again.');
    }
    return next();
  };
}
