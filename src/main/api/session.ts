import { createHmac } from 'node:crypto';
import { assertOwnOrigin, bearerAuth, changesState, sameSecret, type Context, type Middleware } from '../http/index';

export const SESSION_COOKIE = 'loupe_session';
const SESSION_SECONDS = 7 * 24 * 3600;

/**
 * The browser shell's session: the page trades the token from its URL (`#token=`) for an
 * HttpOnly, SameSite=Strict cookie, so `<img src="/v1/images/ID/thumbnail">` and the
 * /ipc WebSocket work without the token in every URL. The cookie is an expiry signed
 * with a key derived from the API token: regenerating the token ends every session.
 */
function sign(token: string, expires: number): string {
  return createHmac('sha256', token).update(`loupe-session:${expires}`).digest('base64url');
}

export function issueSession(token: string, now = Date.now()): { value: string; maxAge: number } {
  const expires = Math.floor(now / 1000) + SESSION_SECONDS;
  return { value: `${expires}.${sign(token, expires)}`, maxAge: SESSION_SECONDS };
}

export function verifySession(token: string, value: string | undefined, now = Date.now()): boolean {
  if (!value) return false;
  const dot = value.indexOf('.');
  if (dot <= 0) return false;
  const expires = Number(value.slice(0, dot));
  if (!Number.isSafeInteger(expires) || expires * 1000 < now) return false;
  return sameSecret(value.slice(dot + 1), sign(token, expires));
}

export function setSessionCookie(ctx: Context, token: string): void {
  const s = issueSession(token);
  ctx.setCookie(SESSION_COOKIE, s.value, { httpOnly: true, sameSite: 'Strict', path: '/', maxAge: s.maxAge });
}

export function clearSessionCookie(ctx: Context): void {
  ctx.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'Strict', path: '/' });
}

/**
 * Bearer token (header, or `?token=` on WebSocket upgrades) or a valid session cookie.
 * `isPublic` lists what needs neither (health, the UI's static files).
 *
 * A cookie-authenticated request that changes state (POST/PUT/PATCH/DELETE, a WebSocket
 * upgrade) must come from Loupe's own origin: SameSite=Strict tells sites apart, not
 * ports, so a page served by any other local port would carry the cookie (403
 * `cross_origin`). A request that presents the token is the token's, and unaffected.
 */
export function apiAuth(opts: { token: () => string; isPublic: (ctx: Context) => boolean }): Middleware {
  const bearer = bearerAuth({ token: opts.token, exclude: opts.isPublic });
  return (ctx, next) => {
    const presentsToken = ctx.req.headers.authorization !== undefined || (ctx.upgrade !== null && ctx.query.has('token'));
    if (!presentsToken && !opts.isPublic(ctx) && verifySession(opts.token(), ctx.cookies[SESSION_COOKIE])) {
      if (changesState(ctx)) assertOwnOrigin(ctx);
      return next();
    }
    return bearer(ctx, next);
  };
}
