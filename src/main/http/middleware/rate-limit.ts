import type { Context } from '../context';
import { HttpError } from '../errors';
import type { Middleware } from '../types';

export interface RateLimitOptions {
  /** Bucket size: requests allowed in a burst. Default 60. */
  limit?: number;
  /** Time for an empty bucket to refill completely, in ms. Default 60 000. */
  windowMs?: number;
  /** Whose bucket a request draws from. Default: the client IP. */
  key?: (ctx: Context) => string;
  /** Requests that do not count. */
  skip?: (ctx: Context) => boolean;
  /** Most keys remembered; the stalest are dropped beyond it. Default 10 000. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token bucket per key: `limit` tokens, refilled continuously over `windowMs`. An empty
 * bucket is a 429 with `Retry-After`; every answer carries `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset` (IETF draft names).
 */
export function rateLimit(opts: RateLimitOptions = {}): Middleware {
  const limit = opts.limit ?? 60;
  const windowMs = opts.windowMs ?? 60_000;
  const rate = limit / windowMs;
  const keyOf = opts.key ?? ((ctx: Context) => ctx.ip);
  const maxKeys = opts.maxKeys ?? 10_000;
  const buckets = new Map<string, Bucket>();
  return (ctx, next) => {
    if (opts.skip?.(ctx)) return next();
    const now = Date.now();
    const k = keyOf(ctx);
    let b = buckets.get(k);
    if (b === undefined) {
      if (buckets.size >= maxKeys) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      b = { tokens: limit, at: now };
    } else buckets.delete(k);
    buckets.set(k, b); // re-insert: Map order doubles as least-recently-used order
    b.tokens = Math.min(limit, b.tokens + (now - b.at) * rate);
    b.at = now;
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    const remaining = Math.floor(b.tokens);
    const resetS = Math.ceil((limit - b.tokens) / rate / 1000);
    const headers: Record<string, string> = {
      'RateLimit-Limit': String(limit),
      'RateLimit-Remaining': String(remaining),
      'RateLimit-Reset': String(resetS),
      'RateLimit-Policy': `${limit};w=${Math.ceil(windowMs / 1000)}`,
    };
    if (!allowed) {
      const retry = Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
      throw new HttpError(429, 'rate_limited', `Too many requests; retry in ${retry} s.`, {
        headers: { ...headers, 'Retry-After': String(retry) },
      });
    }
    for (const h in headers) ctx.header(h, headers[h]);
    return next();
  };
}
