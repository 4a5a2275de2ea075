import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Blueprint, registryEpoch, type RouteDef } from './blueprint';
import { compose, terminalFor, type Dispatch } from './compose';
import { Context, type ContextHost, type Key } from './context';
import { HttpError, errors, writeError, type ErrorLogger } from './errors';
import { Router, type RouterOptions } from './router';
import { buildServer, onClientError, type ServerLimits } from './server';
import { schemaMiddleware } from './middleware/validate';
import type { Middleware, RouteOptions } from './types';
import { WsHub } from './websocket';
import { decodeParam, decodePath } from './url';
import { Shutdown } from './shutdown';
import { Deadlines } from './deadlines';
import { buildOpenApi, type OpenApiInfo } from './openapi';

export interface AppOptions extends RouterOptions, ServerLimits {
  /** Largest body `ctx.json/text/raw/form` read, in bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** Take `ctx.ip` from X-Forwarded-For. Default false. */
  trustProxy?: boolean;
  /** A handler that has not started its answer by then gets 503 and `ctx.signal` aborts. Default 30 s; 0: none. */
  handlerTimeoutMs?: number;
  /** Called with errors that became a 500 (never shown to the client). Default: one line on stderr. */
  onError?: ErrorLogger;
}

export interface ListenOptions {
  port?: number;
  host?: string;
}

export interface CompiledRoute {
  dispatch: Dispatch;
  /** The handler itself when no middleware wraps it: called without compose or an extra promise. */
  direct: ((ctx: Context) => unknown) | null;
  def: RouteDef;
  timeoutMs: number;
  ws: boolean;
}

const EMPTY_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The application: a blueprint plus the server, router, lifecycle and error policy. */
export class App extends Blueprint implements ContextHost {
  readonly bodyLimit: number;
  readonly trustProxy: boolean;
  readonly handlerTimeoutMs: number;
  server: Server | null = null;
  private readonly options: AppOptions;
  private router: Router<CompiledRoute> | null = null;
  private fallback: Dispatch | null = null;
  private notFoundMw: Middleware | null = null;
  private builtVersion = -1;
  private services = new Map<Key<unknown> | string, unknown>();
  private readonly deadlines: Deadlines;
  private readonly idPrefix = randomBytes(4).toString('hex');
  private seq = 0;
  readonly hub = new WsHub();
  private shutdown: Shutdown | null = null;
  private readonly onError: ErrorLogger;

  constructor(options: AppOptions = {}) {
    super();
    this.options = options;
    this.bodyLimit = options.bodyLimit ?? 1024 * 1024;
    this.trustProxy = options.trustProxy ?? false;
    this.handlerTimeoutMs = options.handlerTimeoutMs ?? 30_000;
    this.deadlines = new Deadlines((ctx) => this.expire(ctx), Math.max(10, Math.min(1000, Math.floor(this.handlerTimeoutMs / 4) || 250)));
    this.onError =
      options.onError ??
      ((err, info) => {
        const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
        process.stderr.write(`[http] ${info.method} ${info.path} (${info.requestId}) failed: ${msg}\n`);
      });
  }

  /** Replaces the 404 answer, e.g. with `serveStatic(root, { spa: true })`; runs after app middleware. */
  notFound(mw: Middleware): this {
    this.notFoundMw = mw;
    this.version++;
    return this;
  }

  /** The OpenAPI 3.1 document for every route (serve it with `app.get('/openapi.json', () => doc)`). */
  openapi(info: OpenApiInfo): Record<string, unknown> {
    return buildOpenApi(this.routes(), info);
  }

  /** Every route with its final path, for docs and OpenAPI. */
  routes(): RouteDef[] {
    return this.flatten('', [], false);
  }

  // ---- ContextHost ---------------------------------------------------------------------------

  lookup(k: Key<unknown> | string): unknown {
    if (this.provided.has(k)) return this.provided.get(k);
    if (this.services.has(k)) return this.services.get(k);
    throw new Error(`Nothing was provided for "${typeof k === 'string' ? k : k.name}".`);
  }
  nextRequestId(): string {
    return `${this.idPrefix}-${(++this.seq).toString(36)}`;
  }

  // ---- request handling ----------------------------------------------------------------------

  /** Node's request listener; usable with any `http.Server` (`createServer(app.handle)`). */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.dispatch(req, res, null);
  };

  private dispatch(req: IncomingMessage, res: ServerResponse, upgrade: { socket: Duplex; head: Buffer } | null): void {
    if (this.builtVersion !== registryEpoch()) this.compile();
    if (this.shutdown !== null) {
      res.shouldKeepAlive = false;
      writeError(res, errors.shuttingDown());
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let path = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
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
    const router = this.router as Router<CompiledRoute>;
    const entry = router.find(req.method as string, path);
    let ctx: Context;
    let run: Dispatch;
    let timeout = this.handlerTimeoutMs;
    if (entry !== null && upgrade === null && entry.value.direct !== null) {
      const params = entry.paramNames.length === 0 ? EMPTY_PARAMS : router.params(entry, path);
      if (escaped) for (const k in params) params[k] = decodeParam(params[k]);
      ctx = new Context(this, req, res, path, rawQuery, params, entry.pattern);
      this.runDirect(ctx, entry.value.direct, entry.value.timeoutMs);
      return;
    }
    if (entry !== null && (upgrade === null || entry.value.ws)) {
      const params = entry.paramNames.length === 0 ? EMPTY_PARAMS : router.params(entry, path);
      if (escaped) for (const k in params) params[k] = decodeParam(params[k]);
      ctx = new Context(this, req, res, path, rawQuery, params, entry.pattern);
      run = entry.value.dispatch;
      timeout = entry.value.timeoutMs;
    } else {
      ctx = new Context(this, req, res, path, rawQuery, {}, null);
      run = this.fallback as Dispatch;
    }
    if (upgrade !== null) ctx.upgrade = upgrade;
    let out: unknown;
    try {
      out = run(ctx);
    } catch (err) {
      this.fail(ctx, err);
      return;
    }
    if (out instanceof Promise) {
      if (timeout > 0) this.deadlines.add(ctx, timeout);
      out.then(
        () => this.done(ctx),
        (err: unknown) => this.fail(ctx, err),
      );
    } else this.done(ctx);
  }

  /** The hot path: a route without middleware; a returned value is sent as JSON. */
  private runDirect(ctx: Context, handler: (ctx: Context) => unknown, timeout: number): void {
    let out: unknown;
    try {
      out = handler(ctx);
    } catch (err) {
      this.fail(ctx, err);
      return;
    }
    if (out instanceof Promise) {
      if (timeout > 0) this.deadlines.add(ctx, timeout);
      out.then(
        (v: unknown) => {
          if (v !== undefined && !ctx.responded) ctx.sendJson(v);
          this.done(ctx);
        },
        (err: unknown) => this.fail(ctx, err),
      );
      return;
    }
    if (out !== undefined && !ctx.responded) ctx.sendJson(out);
    else this.done(ctx);
  }

  private done(ctx: Context): void {
    if (ctx.dlLinked) this.deadlines.remove(ctx);
    if (ctx.responded) return;
    if (ctx.upgrade === null) {
      const s = ctx.statusCode;
      ctx.empty(s === 200 ? 204 : s);
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

  private onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as import('node:net').Socket);
    res.once('finish', () => socket.end());
    this.dispatch(req, res, { socket, head });
  };

  /** Builds the router from every registered route; done once, and again after changes. */
  compile(): void {
    const router = new Router<CompiledRoute>(this.options);
    const appMws = this.middleware;
    for (const def of this.flatten('', [], false)) {
      let terminal: Dispatch = def.ws ? this.hub.terminal(def.ws.handler, def.ws.options) : terminalFor(def.handler);
      let mws = def.middleware;
      if (def.options.schema) mws = [schemaMiddleware(def.options.schema), ...mws];
      if (def.options.bodyLimit !== undefined) mws = [bodyLimitMiddleware(def.options.bodyLimit), ...mws];
      const all = [...appMws, ...mws];
      terminal = compose(all, terminal);
      const timeoutMs = def.options.timeoutMs ?? this.handlerTimeoutMs;
      const direct = all.length === 0 && !def.ws ? def.handler : null;
      router.add(def.method, def.path, { dispatch: terminal, direct, def, timeoutMs, ws: def.ws !== undefined });
    }
    this.router = router;
    const notFound = this.notFoundMw;
    const fallbackTerminal: Dispatch = (ctx) => this.answerUnmatched(ctx, router);
    this.fallback = compose(notFound ? [...appMws, notFound] : appMws, fallbackTerminal);
    const services = new Map<Key<unknown> | string, unknown>();
    for (const c of this.children) c.blueprint.collectProvided(services);
    this.services = services;
    this.builtVersion = registryEpoch();
  }

  /** 404, 405 with Allow, automatic OPTIONS, or a trailing-slash redirect. */
  private answerUnmatched(ctx: Context, router: Router<CompiledRoute>): void {
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

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Starts a server with safe limits on `host` (default 127.0.0.1) and `port` (default 0: any free one). */
  listen(opts: ListenOptions = {}): Promise<{ port: number; host: string; url: string }> {
    if (this.server) return Promise.reject(new Error('The app is already listening.'));
    this.compile();
    const server = buildServer(this.options);
    this.attach(server);
    const host = opts.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        this.server = server;
        const addr = server.address();
        const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 0);
        const h = host.includes(':') ? `[${host}]` : host;
        resolve({ port, host, url: `http://${h}:${port}` });
      });
    });
  }

  /** Wires an externally created server: requests, WebSocket upgrades and parser errors. */
  attach(server: Server): void {
    server.on('request', this.handle);
    server.on('upgrade', this.onUpgrade);
    if (server.listenerCount('clientError') === 0) server.on('clientError', onClientError);
  }

  /**
   * Graceful stop: no new connections; idle keep-alive sockets closed now; requests that
   * arrive on open sockets get 503 + `Connection: close`; in-flight ones may finish until
   * `timeoutMs` (default 10 s), then every socket is destroyed.
   */
  close(opts: { timeoutMs?: number } = {}): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.shutdown ??= new Shutdown(server, this.hub, opts.timeoutMs ?? 10_000);
    return this.shutdown.done.then(() => {
      this.server = null;
      this.shutdown = null;
      this.deadlines.stop();
    });
  }
}

function bodyLimitMiddleware(limit: number): Middleware {
  return (ctx, next) => {
    ctx.bodyLimit = limit;
    return next();
  };
}

export type { RouteOptions };
