import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Blueprint, registryEpoch, type RouteDef } from './blueprint';
import { compileRoutes } from './compile';
import type { ContextHost, Key } from './context';
import { RequestRunner } from './request-runner';
import type { ErrorLogger } from './errors';
import type { RouterOptions } from './router';
import { buildServer, onClientError, type ServerLimits } from './server';
import type { Middleware, RouteOptions } from './types';
import { WsHub } from './websocket';
import { Shutdown } from './shutdown';
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

/** The application: a blueprint plus the server, router, lifecycle and error policy. */
export class App extends Blueprint implements ContextHost {
  readonly bodyLimit: number;
  readonly trustProxy: boolean;
  readonly handlerTimeoutMs: number;
  server: Server | null = null;
  private readonly options: AppOptions;
  private notFoundMw: Middleware | null = null;
  private builtVersion = -1;
  private services = new Map<Key<unknown> | string, unknown>();
  private readonly requests: RequestRunner;
  private readonly idPrefix = randomBytes(4).toString('hex');
  private seq = 0;
  readonly hub = new WsHub();
  private shutdown: Shutdown | null = null;

  constructor(options: AppOptions = {}) {
    super();
    this.options = options;
    this.bodyLimit = options.bodyLimit ?? 1024 * 1024;
    this.trustProxy = options.trustProxy ?? false;
    this.handlerTimeoutMs = options.handlerTimeoutMs ?? 30_000;
    const onError: ErrorLogger =
      options.onError ??
      ((err, info) => {
        const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
        process.stderr.write(`[http] ${info.method} ${info.path} (${info.requestId}) failed: ${msg}\n`);
      });
    this.requests = new RequestRunner(this, onError, this.handlerTimeoutMs);
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
    if (this.builtVersion !== registryEpoch()) this.compile();
    this.requests.handle(req, res, null);
  };

  private onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as import('node:net').Socket);
    res.once('finish', () => socket.end());
    if (this.builtVersion !== registryEpoch()) this.compile();
    this.requests.handle(req, res, { socket, head });
  };

  /** Builds the router from every registered route; done once, and again after changes. */
  compile(): void {
    this.requests.routes = compileRoutes({
      defs: this.flatten('', [], false),
      appMiddleware: this.middleware,
      notFound: this.notFoundMw,
      handlerTimeoutMs: this.handlerTimeoutMs,
      hub: this.hub,
      router: this.options,
    });
    const services = new Map<Key<unknown> | string, unknown>();
    for (const c of this.children) c.blueprint.collectProvided(services);
    this.services = services;
    this.builtVersion = registryEpoch();
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
    this.requests.closing = true;
    return this.shutdown.done.then(() => {
      this.server = null;
      this.shutdown = null;
      this.requests.closing = false;
      this.requests.stop();
    });
  }
}

export type { RouteOptions };
