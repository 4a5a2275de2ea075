import type { RouteDef } from './blueprint';
import { compose, terminalFor, type Dispatch } from './compose';
import type { Context } from './context';
import type { CompiledRoute, CompiledRoutes } from './request-runner';
import { errors } from './errors';
import { schemaMiddleware } from './middleware/validate';
import { Router, type RouterOptions } from './router';
import type { Middleware } from './types';
import type { WsHub } from './websocket';

export interface CompileInput {
  /** Every route with its full path and the middleware of its enclosing groups. */
  defs: readonly RouteDef[];
  /** `app.use` middleware: runs for every request, unmatched ones included. */
  appMiddleware: readonly Middleware[];
  notFound: Middleware | null;
  handlerTimeoutMs: number;
  hub: WsHub;
  router: RouterOptions;
}

/**
 * Turns the registered routes into a router of ready-to-run chains. A route that ends up
 * with no middleware at all (no app, group or schema middleware, no body limit) keeps its
 * bare handler, which the RequestRunner calls directly; nothing is composed for it.
 */
export function compileRoutes(input: CompileInput): CompiledRoutes {
  const router = new Router<CompiledRoute>(input.router);
  const appMws = input.appMiddleware;
  for (const def of input.defs) {
    let mws = def.middleware;
    if (def.options.schema) mws = [schemaMiddleware(def.options.schema), ...mws];
    if (def.options.bodyLimit !== undefined) mws = [bodyLimitMiddleware(def.options.bodyLimit), ...mws];
    if (def.options.jsonAs !== undefined) mws = [jsonAsMiddleware(def.options.jsonAs), ...mws];
    const all = [...appMws, ...mws];
    const timeoutMs = def.options.timeoutMs ?? input.handlerTimeoutMs;
    const ws = def.ws !== undefined;
    let run: Dispatch;
    let sendsValue = false;
    if (def.ws) run = compose(all, input.hub.terminal(def.ws.handler, def.ws.options));
    else if (all.length === 0) {
      run = def.handler;
      sendsValue = true;
    } else run = compose(all, terminalFor(def.handler));
    router.add(def.method, def.path, { run, sendsValue, def, timeoutMs, ws });
  }
  const unmatched: Dispatch = (ctx) => answerUnmatched(ctx, router);
  const notFound = input.notFound;
  const fallback = compose(notFound ? [...appMws, notFound] : appMws, unmatched);
  return { router, fallback };
}

/** 404, 405 with Allow, automatic OPTIONS, or a trailing-slash redirect. */
function answerUnmatched(ctx: Context, router: Router<CompiledRoute>): void {
  if (ctx.upgrade !== null) throw errors.notFound('No WebSocket endpoint at this path.');
  const allowed = router.allowed(ctx.path);
  if (ctx.method === 'OPTIONS' && allowed.length > 0) {
    ctx.header('allow', [...allowed, 'OPTIONS'].join(', '));
    ctx.empty(204);
    return;
  }
  if (ctx.method === 'GET' || ctx.method === 'HEAD') {
    const alt = router.alternate(ctx.method, ctx.path);
    // Never redirect to `//host/...`: browsers read it as another site (open redirect).
    if (alt !== null && !alt.startsWith('//')) {
      const q = ctx.req.url?.indexOf('?') ?? -1;
      const safe = alt.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
      ctx.redirect(safe + (q === -1 ? '' : (ctx.req.url as string).slice(q)), 308);
      return;
    }
  }
  if (allowed.length > 0) throw errors.methodNotAllowed([...allowed, 'OPTIONS'].join(', '));
  throw errors.notFound(`No route for ${ctx.method} ${ctx.path}.`);
}

function bodyLimitMiddleware(limit: number): Middleware {
  return (ctx, next) => {
    ctx.bodyLimit = limit;
    return next();
  };
}

function jsonAsMiddleware(types: readonly string[]): Middleware {
  return (ctx, next) => {
    ctx.jsonAs = types;
    return next();
  };
}
