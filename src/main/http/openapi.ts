import { z, type ZodType } from 'zod';
import type { RouteDef } from './blueprint';
import { parsePattern } from './router-pattern';
import type { BodyDoc, JsonSchema } from './types';

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
  license?: { name: string; identifier?: string; url?: string };
  servers?: { url: string; description?: string }[];
  /** Tag descriptions, in the order the document lists them. */
  tags?: { name: string; description: string }[];
  /** Adds a bearer security scheme applied to every operation (except `public` ones). */
  bearerAuth?: boolean;
  /** Operations that need no auth, by `METHOD /path` as registered (e.g. `GET /v1/health`). */
  public?: string[];
}

type Json = Record<string, unknown>;

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const ERROR_RESPONSE = { description: 'Error', content: { 'application/json': { schema: ERROR_REF } } };

function toSchema(schema: ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  delete out.$schema;
  // Answers may gain fields in a version (clients ignore what they do not know), so an
  // answer's objects are left open; requests stay as strict as their schemas.
  if (io === 'output') openObjects(out);
  return out;
}

function openObjects(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) openObjects(n);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const o = node as Json;
  if (o.additionalProperties === false) delete o.additionalProperties;
  for (const k in o) openObjects(o[k]);
}

function isZod(s: unknown): s is ZodType {
  return typeof s === 'object' && s !== null && typeof (s as { safeParse?: unknown }).safeParse === 'function';
}

function docContent(docs: BodyDoc[], io: 'input' | 'output'): Json {
  const content: Json = {};
  for (const d of docs) {
    const schema = d.schema === undefined ? undefined : isZod(d.schema) ? toSchema(d.schema, io) : (d.schema as JsonSchema);
    content[d.contentType] = schema ? { schema } : {};
  }
  return content;
}

/** `GET /v1/datasets/:id/images` → `getDatasetsByIdImages` (a leading `/vN` is left out). */
export function operationIdFor(method: string, path: string): string {
  const words = parsePattern(path.replace(/^\/v\d+(?=\/|$)/, ''))
    .flatMap((t) => (t.kind === 'static' ? t.text.split(/[^A-Za-z0-9]+/).filter(Boolean) : [`by ${t.name}`]))
    .flatMap((w) => w.split(' '));
  const tail = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return method.toLowerCase() + (tail || 'Root');
}

function describe(status: number): string {
  const names: Record<number, string> = { 101: 'Switching Protocols (WebSocket)', 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content' };
  return names[status] ?? `Status ${status}`;
}

function operation(r: RouteDef, info: OpenApiInfo): { path: string; op: Json } {
  const tokens = parsePattern(r.path);
  const oaPath = tokens.map((t) => (t.kind === 'static' ? t.text : `{${t.name}}`)).join('');
  const s = r.options.schema ?? {};
  const paramProps = s.params ? ((toSchema(s.params, 'input').properties ?? {}) as Record<string, Json>) : {};
  const parameters: Json[] = [];
  for (const t of tokens) {
    if (t.kind === 'static') continue;
    const schema = paramProps[t.name] ?? { type: 'string', minLength: 1, ...(t.kind === 'param' && t.regex ? { pattern: t.regex.source } : {}) };
    parameters.push({ name: t.name, in: 'path', required: true, schema });
  }
  if (s.query) {
    const q = toSchema(s.query, 'input');
    const req = new Set((q.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, Json>)) {
      const { description, ...rest } = schema;
      parameters.push({ name, in: 'query', required: req.has(name), ...(description ? { description } : {}), schema: rest });
    }
  }
  const op: Json = { operationId: r.options.operationId ?? operationIdFor(r.method, r.path) };
  op.summary = r.options.summary ?? `${r.method} ${r.path}`;
  if (r.options.description) op.description = r.options.description;
  if (r.options.tags) op.tags = r.options.tags;
  if (parameters.length) op.parameters = parameters;
  if (s.body) {
    const schema = toSchema(s.body, 'input');
    const content: Json = { 'application/json': { schema } };
    for (const t of r.options.jsonAs ?? []) if (t) content[t] = { schema };
    op.requestBody = { required: !s.body.safeParse(undefined).success, content };
  } else if (s.requestBody) {
    op.requestBody = {
      required: s.requestBody.required ?? true,
      ...(s.requestBody.description ? { description: s.requestBody.description } : {}),
      content: docContent(s.requestBody.content, 'input'),
    };
  }
  const responses: Record<string, Json> = {};
  if (r.ws) responses['101'] = { description: describe(101) };
  for (const [status, body] of Object.entries(s.response ?? {})) {
    const description = describe(Number(status));
    if (body === null) responses[status] = { description };
    else if (isZod(body)) responses[status] = { description, content: { 'application/json': { schema: toSchema(body, 'output') } } };
    else responses[status] = { description, content: docContent(Array.isArray(body) ? body : [body as BodyDoc], 'output') };
  }
  if (Object.keys(responses).length === 0) responses['200'] = { description: 'OK' };
  responses['4XX'] = ERROR_RESPONSE;
  responses['5XX'] = ERROR_RESPONSE;
  op.responses = responses;
  if (info.bearerAuth && info.public?.includes(`${r.method} ${r.path}`)) op.security = [];
  return { path: oaPath, op };
}

/**
 * Builds an OpenAPI 3.1 document from the registered routes and their zod schemas, so the
 * document and the validation cannot drift apart: path parameters from the pattern (typed
 * by `schema.params`), query parameters from `schema.query`, request bodies from
 * `schema.body` (plus the route's `jsonAs` media types) or `schema.requestBody`, success
 * answers from `schema.response`, the shared error shape for every 4XX and 5XX, an
 * operationId for every operation, and WebSocket endpoints as GETs answering 101.
 */
export function buildOpenApi(routes: RouteDef[], info: OpenApiInfo): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    if (r.options.hidden) continue;
    const { path, op } = operation(r, info);
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  const doc: Json = {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      ...(info.description ? { description: info.description } : {}),
      ...(info.license ? { license: info.license } : {}),
    },
    ...(info.servers ? { servers: info.servers } : {}),
    ...(info.tags ? { tags: info.tags } : {}),
    paths,
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', description: 'Stable, machine-readable: `validation`, `not_found`, `unknown_parameter`… (docs/api.md).' },
                message: { type: 'string', description: 'What happened and what to do, for a person.' },
                details: { description: 'More about it: `field`, `issues`, `failed`…' },
              },
            },
          },
        },
      },
      ...(info.bearerAuth ? { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } } : {}),
    },
  };
  if (info.bearerAuth) doc.security = [{ bearerAuth: [] }];
  return doc;
}
