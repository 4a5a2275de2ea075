import type { Readable } from 'node:stream';
import type { Context } from './context';

/**
 * Pipes `body` into the response. A source error after headers went out cannot become a
 * JSON error any more, so the socket is destroyed and the client sees a truncated answer;
 * a client that leaves destroys the source so files and generators are released.
 */
export function sendStream(ctx: Context, body: Readable, contentType: string, status: number): Promise<void> {
  const res = ctx.res;
  res.statusCode = status;
  if (!res.hasHeader('content-type')) res.setHeader('content-type', contentType);
  return new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      body.off('error', onError);
      res.off('close', onClose);
      resolve();
    };
    const onError = () => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.removeHeader('content-length');
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end('{"error":{"code":"internal","message":"Internal error."}}');
      } else res.destroy();
      finish();
    };
    const onClose = () => {
      if (!body.destroyed) body.destroy();
      finish();
    };
    body.once('error', onError);
    res.once('close', onClose);
    res.once('finish', finish);
    body.pipe(res);
  });
}
