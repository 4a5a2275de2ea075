import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RouteDef } from './blueprint';
import type { Dispatch } from './compose';
import { Context, type ContextHost } from './context';
import { Deadlines } from './deadlines';
import { HttpError, errors, writeError, type ErrorLogger } from './errors';
import type { Router } from './router';
import { decodeParam, decodePath } from './url';

export interface CompiledRoute {
  /** The handler itself, or its middleware chain ending in the handler. */
  run: Dispatch;
  /**
   * True when `run` is the bare handler (no middleware): its return value is sent as JSON
   * here, with no compose wrapper and no extra promise in between.
   */
  sendsValue: boolean;
  def: RouteDef;
  timeoutMs: number;
  ws: boolean;
}

/** What `App.compile()` builds: the router and the chain for requests no route takes. */
export interface CompiledRoutes {
  router: Router<CompiledRoute>;
  fallback: Dispatch;
}

const EMPTY_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * Runs one request: route lookup, the Context, the handler or middleware chain, and the
 * one place where its outcome becomes an answer. A handler that returns a plain value (or
 * throws) is answered synchronously, with no promise made; only a returned promise is
 * awaited, and only then is the request put on the handler-timeout list.
 */
export class RequestRunner {
  routes: CompiledRoutes | null = null;
  /** Set while the app shuts down: new requests get 503 and `Connection: close`. */
  closing = false;
  private readonly host: ContextHost;
  private readonly onError: ErrorLogger;
  private readonly handlerTimeoutMs: number;
  private readonly deadlines: Deadlines;

  constructor(host: ContextHost, onError: ErrorLogger, handlerTimeoutMs: number) {
    this.host = host;
    this.onError = onError;
    this.handlerTimeoutMs = handlerTimeoutMs;
    const tick = Math.max(10, Math.min(1000, Math.floor(handlerTimeoutMs / 4) || 250));
    this.deadlines = new Deadlines((ctx) => this.expire(ctx), tick);
  }

  handle(req: IncomingMessage, res: ServerResponse, upgrade: { socket: Duplex; head: Buffer } | null): void {
    if (this.closing) {
      res.shouldKeepAlive = false;
      writeError(res, errors.shuttingDown());
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let path = q === -1 ? url : url.slice(0, q);
    let escaped = false;
    if (path.charCodeAt(0) !== 47 || path.indexOf('%') !== -1) {
      escaped = true;
      const fixed = decodePath(path);
      if (fixed === null) {
        writeError(res, errors.badRequest('The request path is not a valid URL path.'));
        return;
      }
      path = fixed;
    }
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    const { router, fallback } = this.routes as CompiledRoutes;
    const entry = router.find(req.method as string, path);
    let ctx: Context;
    if (entry !== null && (upgrade === null || entry.value.ws)) {
      const route = entry.value;
      const params = entry.paramNames.length === 0 ? EMPTY_PARAMS : router.params(entry, path);
      if (escaped) for (const k in params) params[k] = decodeParam(params[k]);
      ctx = new Context(this.host, req, res, path, rawQuery, params, entry.pattern);
      if (upgrade !== null) ctx.upgrade = upgrade;
      this.run(ctx, route.run, route.sendsValue, route.timeoutMs);
    } else {
      ctx = new Context(this.host, req, res, path, rawQuery, {}, null);
      if (upgrade !== null) ctx.upgrade = upgrade;
      this.run(ctx, fallback, false, this.handlerTimeoutMs);
    }
  }

  /**
   * Calls `fn` and turns what it did into an answer. A sync throw and an async rejection
   * take the same way out (`fail`); so do a sync value and a resolved one (`send`/`done`).
   */
  private run(ctx: Context, fn: Dispatch, sendsValue: boolean, timeoutMs: number): void {
    let out: unknown;
    try {
      out = fn(ctx);
    } catch (err) {
      this.fail(ctx, err);
      return;
    }
    if (out instanceof Promise) {
      if (timeoutMs > 0) this.deadlines.add(ctx, timeoutMs);
      if (sendsValue) {
        out.then(
          (v: unknown) => this.send(ctx, v),
          (err: unknown) => this.fail(ctx, err),
        );
      } else {
        out.then(
          () => this.done(ctx),
          (err: unknown) => this.fail(ctx, err),
        );
      }
    } else if (sendsValue) this.send(ctx, out);
    else this.done(ctx);
  }

  /** A handler's return value: sent as JSON unless it is undefined or the handler answered. */
  private send(ctx: Context, value: unknown): void {
    if (value !== undefined && !ctx.responded) {
      try {
        ctx.sendJson(value);
      } catch (err) {
        // e.g. a value JSON.stringify refuses (BigInt, a cycle): a 500, not a crash
        this.fail(ctx, err);
        return;
      }
    }
    this.done(ctx);
  }

  private done(ctx: Context): void {
    if (ctx.dlLinked) this.deadlines.remove(ctx);
    if (ctx.responded) return;
    if (ctx.upgrade === null) {
      const s = ctx.statusCode;
      try {
        ctx.empty(s === 200 ? 204 : s);
      } catch (err) {
        this.fail(ctx, err); // an onHeaders hook threw
      }
    } else {
      // Middleware ended an upgrade without answering: do not leave the socket hanging.
      ctx.responded = true;
      writeError(ctx.res, errors.notFound('No WebSocket endpoint at this path.'));
    }
  }

  private fail(ctx: Context, err: unknown): void {
    if (ctx.dlLinked) this.deadlines.remove(ctx);
    if (ctx.timedOut) return;
    if (!(err instanceof HttpError)) {
      try {
        this.onError(err, { method: ctx.method, path: ctx.path, requestId: ctx.requestId });
      } catch {
        // a broken logger must not take the answer down with it
      }
    }
    ctx.responded = true;
    writeError(ctx.res, err);
  }

  private expire(ctx: Context): void {
    const err = errors.timeout();
    ctx.abort(err);
    ctx.timedOut = true;
    ctx.responded = true;
    writeError(ctx.res, err);
  }

  stop(): void {
    this.deadlines.stop();
  }
}
