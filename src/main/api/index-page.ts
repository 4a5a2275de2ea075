import { z } from 'zod';
import { buildOpenApi, Templates, type App, type Blueprint } from '../http/index';
import type { ApiDeps } from './deps';
import { html } from './schemas';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Loupe local API v1</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td{padding:.3rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}
code{font:13px ui-monospace,monospace}@media(prefers-color-scheme:dark){body{background:#111;color:#ddd}td{border-color:#333}}</style>
</head><body>
<h1>Loupe local API v1</h1>
<p>Version {{version}}. Every route but <code>GET /v1/health</code> needs
<code>Authorization: Bearer TOKEN</code> (the token is in Settings → Local API, or in the data folder's <code>token</code> file).
Errors are JSON: <code>{"error":{"code","message"}}</code>. Lists take <code>?limit=</code> and <code>?cursor=</code>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>What it does</th></tr></thead><tbody>
{{#each routes}}<tr><td><code>{{method}}</code></td><td><code>{{path}}</code></td><td>{{summary}}</td></tr>
{{/each}}</tbody></table>
<p>Machine-readable: <a href="/v1/openapi.json"><code>/v1/openapi.json</code></a> (OpenAPI 3.1).
Prometheus metrics: <code>GET /metrics</code>. The guide: <code>docs/api.md</code> in Loupe's repository.</p>
</body></html>`;

/**
 * `GET /v1`: a page a person can read (version, every route with its summary, how to
 * authenticate), and `GET /v1/openapi.json`, both built from the registered routes.
 */
export function indexPageRoutes(v1: Blueprint, app: App, deps: ApiDeps): void {
  const render = Templates.compile(PAGE, 'api-index');
  v1.get(
    '/',
    { summary: 'A page listing every route, for a person', tags: ['meta'], operationId: 'getIndexPage', schema: { response: { 200: html } } },
    (ctx) => {
      const routes = app
        .routes()
        .filter((r) => !r.options.hidden)
        .map((r) => ({ method: r.ws ? 'WS' : r.method, path: r.path, summary: r.options.summary ?? (r.ws ? 'WebSocket' : '') }));
      ctx.sendHtml(render({ version: deps.version, routes }));
    },
  );

  let doc: unknown = null;
  v1.get('/openapi.json', { summary: 'This API as an OpenAPI 3.1 document', tags: ['meta'], schema: { response: { 200: OpenApiDocument } } }, () => {
    // Routes are fixed once the server runs, so the document is built once.
    doc ??= loupeOpenApi(app, deps.version);
    return doc;
  });
}

const OpenApiDocument = z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) });

/** The API's OpenAPI document (also written by `npm run openapi` for the linter). */
export function loupeOpenApi(app: App, version: string): Record<string, unknown> {
  return buildOpenApi(app.routes(), {
    title: 'Loupe local API',
    version,
    description:
      'The local HTTP API of Loupe, an image-classification workbench: loopback only, a bearer token on every route but `GET /v1/health`. ' +
      'Errors are `{"error": {"code", "message", "details"?}}`; the codes are listed in docs/api.md. Answers may gain fields; ignore the ones you do not know.',
    license: { name: 'MIT', identifier: 'MIT' },
    servers: [{ url: 'http://127.0.0.1:8765', description: 'The desktop app (Settings → Local API); `loupe serve` prints its own address.' }],
    tags: [
      { name: 'meta', description: 'Health, session, this document, metrics.' },
      { name: 'datasets', description: 'Datasets and their labels.' },
      { name: 'images', description: 'Pictures: upload, import, list, relabel, thumbnails.' },
      { name: 'models', description: 'Training runs, models, export and prediction (Lobe-compatible too).' },
      { name: 'tasks', description: 'Durable background tasks.' },
      { name: 'scripts', description: 'Running scripts in Loupe’s language.' },
      { name: 'events', description: 'WebSocket feeds.' },
    ],
    bearerAuth: true,
    public: ['GET /v1/health'],
  });
}
