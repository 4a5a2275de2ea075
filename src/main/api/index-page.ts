import { buildOpenApi, Templates, type App, type Blueprint } from '../http/index';
import type { ApiDeps } from './deps';

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
  v1.get('/', { summary: 'This page', hidden: true }, (ctx) => {
    const routes = app
      .routes()
      .filter((r) => !r.options.hidden || r.ws)
      .map((r) => ({ method: r.ws ? 'WS' : r.method, path: r.path, summary: r.options.summary ?? (r.ws ? 'WebSocket' : '') }));
    ctx.sendHtml(render({ version: deps.version, routes }));
  });

  let doc: unknown = null;
  v1.get('/openapi.json', { summary: 'This API as an OpenAPI 3.1 document', tags: ['meta'] }, () => {
    // Routes are fixed once the server runs, so the document is built once.
    doc ??= buildOpenApi(app.routes(), {
      title: 'Loupe local API',
      version: deps.version,
      description: 'The local HTTP API of Loupe, an image-classification workbench. See docs/api.md.',
      bearerAuth: true,
      public: ['GET /v1/health'],
    });
    return doc;
  });
}
