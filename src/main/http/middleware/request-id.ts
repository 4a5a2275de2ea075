import type { Middleware } from '../types';

export interface RequestIdOptions {
  /** Header read from the client and echoed back. Default `x-request-id`. */
  header?: string;
  /** Reuse a client-sent id (when it looks safe). Default true. */
  trustIncoming?: boolean;
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Gives every request an id (`ctx.requestId`) and returns it in a response header. */
export function requestId(opts: RequestIdOptions = {}): Middleware {
  const header = (opts.header ?? 'x-request-id').toLowerCase();
  const trust = opts.trustIncoming ?? true;
  return (ctx, next) => {
    const incoming = ctx.req.headers[header];
    if (trust && typeof incoming === 'string' && SAFE_ID.test(incoming)) ctx.requestId = incoming;
    if (ctx.upgrade === null) ctx.header(header, ctx.requestId);
    return next();
  };
}
