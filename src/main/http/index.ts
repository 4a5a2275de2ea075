/**
 * Loupe's web framework: a generic HTTP library on node:http (no Loupe imports).
 *
 * Naming, since request and response share `ctx`:
 * - request body readers: `ctx.json(schema?)`, `ctx.text()`, `ctx.raw(limit?)`, `ctx.form()`,
 *   `ctx.multipart(opts)`;
 * - response writers: `ctx.sendJson(value, status?)`, `ctx.sendText(text, status?)`,
 *   `ctx.sendHtml(html, status?)`, `ctx.send(body, type?)`, `ctx.empty(status?)`,
 *   `ctx.redirect(url, status?)`, `ctx.stream(readable, type?)`, `ctx.sse()`,
 *   `ctx.sendFile(path, opts?)`; `ctx.status(code)` and `ctx.header(name, value)` chain.
 * - a handler's returned value (not undefined) is sent as JSON when nothing was sent; a
 *   handler that sends nothing and returns nothing answers 204.
 * - errors: throw `HttpError(status, code, message)`; anything else is a 500 `internal`.
 * - status codes: 400 malformed input (not JSON, broken multipart, forbidden keys) and
 *   query parameters a schema'd route does not declare (`unknown_parameter`), 413 body
 *   too large, 415 wrong Content-Type, 422 `validation` for a body, query or path value
 *   that fails its schema.
 * See docs/http.md.
 */
export { App, type AppOptions, type ListenOptions } from './app';
export { Blueprint, type RouteDef } from './blueprint';
export { Context, Key, key, type UpgradeInfo } from './context';
export { HttpError, errors, isHttpError, errorBody } from './errors';
export { validateWith, type ValidationTarget } from './validation';
export { Router, type RouterOptions, type RouteEntry } from './router';
export { type Middleware, type Handler, type RouteOptions, type RouteSchema, type Validated, type ParamsOf, type BodyDoc, type JsonSchema } from './types';
export { type MultipartOptions, type MultipartResult, type UploadedFile } from './multipart';
export { type SendBytesOptions, type SendFileOptions } from './send-file';
export { SseStream, type SseOptions, type SseEvent } from './sse';
export { wsSend, type WsHandler, type WsOptions } from './websocket';
export { type CookieOptions } from './cookies';
export { type ServerLimits, DEFAULT_LIMITS } from './server';
export * from './middleware/index';
export { Templates, SafeHtml, escapeHtml, TemplateError, type TemplateOptions } from './template';
export { buildOpenApi, type OpenApiInfo } from './openapi';
export { PrometheusText, PROMETHEUS_CONTENT_TYPE, formatValue, type Labels, type HistogramSeries, type SummarySeries } from './prometheus';
