import type { Middleware } from '../types';

export interface AccessLogEntry {
  time: string;
  requestId: string;
  method: string;
  path: string;
  route: string | null;
  status: number;
  durationMs: number;
  ip: string;
  bytes: number | undefined;
  userAgent: string | undefined;
}

/**
 * Structured access log: one entry per finished (or abandoned) request, written when the
 * response closes so streamed answers are timed to their end. The query string is left out
 * (it may carry a token).
 */
export function accessLog(log: (entry: AccessLogEntry) => void): Middleware {
  return (ctx, next) => {
    const start = performance.now();
    const emit = () => {
      const len = ctx.res.getHeader('content-length');
      log({
        time: new Date().toISOString(),
        requestId: ctx.requestId,
        method: ctx.method,
        path: ctx.path,
        route: ctx.route,
        status: ctx.upgrade !== null && !ctx.res.headersSent ? 101 : ctx.res.statusCode,
        durationMs: Math.round((performance.now() - start) * 1000) / 1000,
        ip: ctx.ip,
        bytes: typeof len === 'number' ? len : len !== undefined ? Number(len) : undefined,
        userAgent: ctx.req.headers['user-agent'],
      });
    };
    if (ctx.upgrade !== null) ctx.upgrade.socket.once('close', emit);
    else ctx.res.once('close', emit);
    return next();
  };
}
