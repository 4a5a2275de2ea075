import { createHmac } from 'node:crypto';
import { assertOwnOrigin, bearerAuth, changesState, getSession, sessions, type Context, type Middleware } from '../http/index';

export const SESSION_COOKIE = 'loupe_session';
const SESSION_SECONDS = 7 * 24 * 3600;
const SIGNED_IN = 'signedIn';

/**
 * The browser shell's session, on the framework's signed-cookie sessions: the page trades
 * the token from its URL (`#token=`) for an HttpOnly, SameSite=Strict cookie, so
 * `<img src="/v1/images/ID/thumbnail">` and the /ipc WebSocket work without the token in
 * every URL. The signing key is derived from the API token (asked on every request):
 * regenerating the token ends every session. Mount it before the rate limits and apiAuth,
 * which read it.
 */
export function loupeSessions(token: () => string): Middleware {
  // Asked on every request: the key is derived once per token, not once per request.
  let keyOf = { token: '', key: '' };
  const secret = (): string => {
    const now = token();
    if (now !== keyOf.token) keyOf = { token: now, key: sessionKey(now) };
    return keyOf.key;
  };
  return sessions({ secret, cookieName: SESSION_COOKIE, sameSite: 'Strict', maxAge: SESSION_SECONDS });
}

/** A key of its own for sessions, so a cookie's MAC is never a MAC under the bare token. */
function sessionKey(token: string): string {
  return createHmac('sha256', token).update('loupe-session').digest('base64url');
}

/** POST /v1/session: the caller showed the token; the answer carries the session cookie. */
export function signIn(ctx: Context): void {
  getSession(ctx).set(SIGNED_IN, true);
}

/** DELETE /v1/session: the answer clears the cookie. */
export function signOut(ctx: Context): void {
  getSession(ctx).destroy();
}

/** Whether the request carries a valid, unexpired session cookie signed with today's token. */
export function signedIn(ctx: Context): boolean {
  return getSession(ctx).get(SIGNED_IN) === true;
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
    if (!presentsToken && !opts.isPublic(ctx) && signedIn(ctx)) {
      if (changesState(ctx)) assertOwnOrigin(ctx);
      return next();
    }
    return bearer(ctx, next);
  };
}
