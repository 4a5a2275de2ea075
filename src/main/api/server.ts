import {
  App,
  PrometheusText,
  PROMETHEUS_CONTENT_TYPE,
  accessLog,
  cors,
  hostAllowList,
  ownOrigin,
  serveStatic,
  type AccessLogEntry,
  type Context,
  type Middleware,
} from '../http/index';
import { contentSecurityPolicy, websocketFor } from './csp';
import { contractRoutes } from './contract-routes';
import { datasetRoutes } from './datasets';
import type { ApiDeps } from './deps';
import { loupeErrors } from './errors';
import { eventRoutes } from './events';
import { healthRoutes } from './health';
import { imageRoutes } from './images';
import { labellingRoutes } from './labelling';
import { importRoutes } from './imports';
import { indexPageRoutes } from './index-page';
import { taskRoutes } from './tasks';
import { apiAuth, loupeSessions, signIn, signOut } from './auth';
import { writeQueueMetrics } from './metrics-queue';
import { prometheusText } from './schemas';
import { apiRateLimits, type ApiRateLimits } from './rate-limits';

export interface ApiServerOptions {
  /** Answer any Host (`loupe serve --allow-remote`); otherwise loopback names only (421). */
  allowRemote?: boolean;
  /** The built renderer (out/renderer), served with SPA fallback and no token. */
  rendererDir?: string | null;
  accessLog?: (entry: AccessLogEntry) => void;
  onError?: (err: unknown) => void;
  /** Routes added by later features (tasks, models…), mounted under /v1 with auth. */
  extraRoutes?: Array<(v1: import('../http/index').Blueprint, app: App) => void>;
  /** 429 limits per token and per anonymous IP (defaults in rate-limits.ts); the UI is never limited. */
  rateLimit?: ApiRateLimits;
}

/** Paths owned by the API; everything else belongs to the UI's static files. */
function isApiPath(path: string): boolean {
  return path === '/v1' || path.startsWith('/v1/') || path === '/ipc' || path === '/metrics' || path.startsWith('/predict/');
}

/**
 * The local HTTP API on Loupe's framework: Host allow-list first (421 even with a
 * token), CORS closed unless origins are configured, bearer token or session cookie on
 * everything but health and the UI's files, JSON errors only.
 */
export function createApiApp(deps: ApiDeps, opts: ApiServerOptions = {}): App {
  const app = new App({
    onError: (err) => (opts.onError ? opts.onError(err) : process.stderr.write(`loupe: request failed: ${String(err)}\n`)),
  });
  app.use(deps.metrics.middleware());
  if (opts.accessLog) app.use(accessLog(opts.accessLog));
  if (!opts.allowRemote) app.use(hostAllowList({ hosts: 'loopback' }));
  app.use(
    cors({
      origins: (origin) => deps.apiSettings.allowedOrigins.includes(origin),
      allowHeaders: ['authorization', 'content-type'],
      exposeHeaders: ['retry-after', 'x-request-id'],
    }),
  );
  app.use(loupeSessions(() => deps.apiSettings.token));
  app.use(apiRateLimits({ token: () => deps.apiSettings.token, isApiPath, limits: opts.rateLimit }));
  app.use(
    apiAuth({
      token: () => deps.apiSettings.token,
      isPublic: (ctx: Context) => ctx.path === '/v1/health' || !isApiPath(ctx.path),
    }),
  );
  app.use(loupeErrors());

  app.group('/v1', (v1) => {
    healthRoutes(v1, deps);
    v1.post(
      '/session',
      { summary: 'Trade the bearer token for a session cookie (browser shell)', tags: ['meta'], schema: { response: { 204: null } } },
      (ctx) => {
        signIn(ctx);
        ctx.empty(204);
      },
    );
    v1.delete('/session', { summary: 'End the browser session', tags: ['meta'], schema: { response: { 204: null } } }, (ctx) => {
      signOut(ctx);
      ctx.empty(204);
    });
    contractRoutes(v1, deps.handlers);
    datasetRoutes(v1, deps);
    imageRoutes(v1, deps);
    labellingRoutes(v1, deps);
    importRoutes(v1, deps);
    taskRoutes(v1, deps);
    for (const add of opts.extraRoutes ?? []) add(v1, app);
    indexPageRoutes(v1, app, deps);
  });
  eventRoutes(app, deps);
  app.get(
    '/metrics',
    { summary: 'Prometheus metrics (text format 0.0.4)', tags: ['meta'], operationId: 'getMetrics', schema: { response: { 200: prometheusText } } },
    (ctx) => {
      const out = new PrometheusText();
      deps.metrics.write(out);
      writeQueueMetrics(out, deps.tasks.monitor);
      ctx.send(out.toString(), PROMETHEUS_CONTENT_TYPE);
    },
  );

  if (opts.rendererDir) {
    const files = serveStatic(opts.rendererDir, {
      spa: true,
      immutable: /-[A-Za-z0-9_-]{8,}\.(js|css|woff2?|png|svg)$/,
      // The page holds the token: no framing by other sites, no sniffing, no referrer.
      headers: { 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' },
    });
    const ui: Middleware = (ctx, next) => {
      if (isApiPath(ctx.path)) return next();
      // The page's one socket is /ipc on this very origin: the policy names it, not every local port.
      const own = ownOrigin(ctx);
      ctx.header('content-security-policy', contentSecurityPolicy({ websocket: own ? websocketFor(own) : null }));
      return files(ctx, next);
    };
    app.notFound(ui);
  }
  return app;
}
