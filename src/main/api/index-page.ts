import type { App, Blueprint } from '../http/index';
import type { ApiDeps } from './deps';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** `GET /v1`: a page a person can read: version, every route with its summary, how to authenticate. */
export function indexPageRoutes(v1: Blueprint, app: App, deps: ApiDeps): void {
  v1.get('/', { summary: 'This page', hidden: true }, (ctx) => {
    const rows = app
      .routes()
      .filter((r) => !r.options.hidden || r.ws)
      .map((r) => {
        const method = r.ws ? 'WS' : r.method;
        return `<tr><td><code>${esc(method)}</code></td><td><code>${esc(r.path)}</code></td><td>${esc(r.options.summary ?? (r.ws ? 'WebSocket' : ''))}</td></tr>`;
      })
      .join('\n');
    ctx.sendHtml(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Loupe local API v1</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td{padding:.3rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}
code{font:13px ui-monospace,monospace}@media(prefers-color-scheme:dark){body{background:#111;color:#ddd}td{border-color:#333}}</style>
</head><body>
<h1>Loupe local API v1</h1>
<p>Version ${esc(deps.version)}. Every route but <code>GET /v1/health</code> needs
<code>Authorization: Bearer TOKEN</code> (the token is in Settings → Local API, or in the data folder's <code>token</code> file).
Errors are JSON: <code>{"error":{"code","message"}}</code>. Lists take <code>?limit=</code> and <code>?cursor=</code>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>What it does</th></tr></thead><tbody>
${rows}
</tbody></table>
<p>Prometheus metrics: <code>GET /metrics</code>. The guide: <code>docs/api.md</code> in Loupe's repository.</p>
</body></html>`);
  });
}
