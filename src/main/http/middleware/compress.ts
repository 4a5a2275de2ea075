import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { isCompressible } from '../mime';
import type { Middleware } from '../types';

export interface CompressOptions {
  /** Smallest body worth compressing, in bytes. Default 1024. */
  threshold?: number;
  /** Prefer brotli when the client accepts it. Default true. */
  brotli?: boolean;
}

/**
 * gzip or brotli for text-like answers over a threshold (JSON, HTML, CSS, JS, SVG). Works
 * on complete bodies (`sendJson`, `sendText`, `sendHtml`, `send` of a string/Buffer);
 * streams and files pass through as they are.
 */
export function compress(opts: CompressOptions = {}): Middleware {
  const threshold = opts.threshold ?? 1024;
  const useBrotli = opts.brotli ?? true;
  return (ctx, next) => {
    const accept = ctx.req.headers['accept-encoding'];
    if (typeof accept !== 'string' || ctx.method === 'HEAD') return next();
    const br = useBrotli && /\bbr\b/.test(accept);
    const gz = /\bgzip\b/.test(accept);
    if (!br && !gz) return next();
    ctx.onBeforeSend((c, body, type) => {
      const len = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
      if (len < threshold || !isCompressible(type) || c.res.hasHeader('content-encoding')) return body;
      c.appendHeader('vary', 'Accept-Encoding');
      if (br) {
        c.header('content-encoding', 'br');
        return brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: len } });
      }
      c.header('content-encoding', 'gzip');
      return gzipSync(body, { level: 6 });
    });
    return next();
  };
}
