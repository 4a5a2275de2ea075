import { rateLimit, sameSecret, type Context, type Middleware } from '../http/index';
import { signedIn } from './auth';

export interface RateLimitRule {
  /** Requests allowed in a burst (the bucket's size). */
  limit: number;
  /** Time for an empty bucket to refill completely, in ms. */
  windowMs: number;
}

/**
 * Limits on the local API (429 with Retry-After, RateLimit-* headers). `false` turns one
 * off. The app's own UI (the browser shell's session cookie, its static files) is never
 * counted, and the desktop UI talks over IPC, not HTTP.
 */
export interface ApiRateLimits {
  /** Requests carrying the API token, in one bucket for the token. */
  token?: RateLimitRule | false;
  /** Requests without a valid token or session (wrong tokens, health checks), one bucket per client IP. */
  anonymous?: RateLimitRule | false;
}

/**
 * Generous on purpose: a script that pages through a dataset, fetches thumbnails or uploads
 * pictures one request at a time runs at 100 requests a second without a 429 (an upload
 * counts once however many files it carries). Guessing tokens is held to 2 a second per IP.
 */
export const DEFAULT_RATE_LIMITS: Required<ApiRateLimits> = {
  token: { limit: 6000, windowMs: 60_000 },
  anonymous: { limit: 120, windowMs: 60_000 },
};

type Caller = 'token' | 'session' | 'anonymous';

function callerOf(ctx: Context, token: string): Caller {
  const h = ctx.req.headers.authorization;
  let given: string | null = null;
  if (typeof h === 'string' && /^bearer /i.test(h)) given = h.slice(7).trim();
  else if (ctx.upgrade !== null) given = ctx.query.get('token');
  if (given) return token && sameSecret(given, token) ? 'token' : 'anonymous';
  return signedIn(ctx) ? 'session' : 'anonymous';
}

/** One middleware in front of auth, behind the sessions (auth.ts): picks the caller's bucket, or none for the UI. */
export function apiRateLimits(opts: { token: () => string; isApiPath: (path: string) => boolean; limits?: ApiRateLimits }): Middleware {
  const pick = (rule: RateLimitRule | false | undefined, fallback: RateLimitRule): RateLimitRule | null => (rule === false ? null : (rule ?? fallback));
  const tokenRule = pick(opts.limits?.token, DEFAULT_RATE_LIMITS.token as RateLimitRule);
  const anonRule = pick(opts.limits?.anonymous, DEFAULT_RATE_LIMITS.anonymous as RateLimitRule);
  const byToken = tokenRule ? rateLimit({ ...tokenRule, key: () => 'token' }) : null;
  const byIp = anonRule ? rateLimit({ ...anonRule, key: (ctx) => ctx.ip }) : null;
  return (ctx, next) => {
    if (!opts.isApiPath(ctx.path)) return next();
    const who = callerOf(ctx, opts.token());
    const limiter = who === 'token' ? byToken : who === 'anonymous' ? byIp : null;
    return limiter ? limiter(ctx, next) : next();
  };
}
