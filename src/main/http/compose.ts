import type { Context } from './context';
import type { Middleware } from './types';

export type Dispatch = (ctx: Context) => unknown;

/**
 * Koa-style onion: each middleware gets `next()` that runs the rest and resolves when the
 * rest is done. With no middleware the terminal itself is returned, so a plain route adds
 * no promise and no closure to the request.
 */
export function compose(mws: readonly Middleware[], terminal: Dispatch): Dispatch {
  if (mws.length === 0) return terminal;
  const n = mws.length;
  return (ctx: Context) => {
    let index = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= index) return Promise.reject(new Error('next() was called twice by one middleware.'));
      index = i;
      try {
        if (i === n) {
          const out = terminal(ctx);
          return out instanceof Promise ? out.then(noop) : Promise.resolve();
        }
        return Promise.resolve(mws[i](ctx, () => dispatch(i + 1)));
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return dispatch(0);
  };
}

function noop(): void {}

/** Calls the handler and sends a returned value as JSON unless the handler answered itself. */
export function terminalFor(handler: (ctx: Context) => unknown): Dispatch {
  return (ctx: Context) => {
    const out = handler(ctx);
    if (out instanceof Promise) return out.then((v) => sendValue(ctx, v));
    if (out !== undefined && !ctx.responded) ctx.sendJson(out);
    return undefined;
  };
}

function sendValue(ctx: Context, v: unknown): void {
  if (v !== undefined && !ctx.responded) ctx.sendJson(v);
}
