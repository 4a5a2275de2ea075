import { z, type ZodType } from 'zod';
import type { RouteDef } from './blueprint';
import { parsePattern } from './router-pattern';

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
  servers?: { url: string; description?: string }[];
  /** Adds a bearer security scheme applied to every operation (except `public` ones). */
  bearerAuth?: boolean;
  /** Operations that need no auth, by `METHOD /path` as registered (e.g. `GET /v1/health`). */
  public?: string[];
}

type Json = Record<string, unknown>;

const ERROR_REF = { $ref: '#/components/schemas/Error' };

function toSchema(schema: ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

/**
 * Builds an OpenAPI 3.1 document from the registered routes and their zod schemas: path
 * parameters from the pattern (typed by `schema.params` when given), query parameters from
 * `schema.query`'s properties, the JSON request body from `schema.body`, responses from
 * `schema.response`, and the shared error shape for 4xx/5xx.
 */
export function buildOpenApi(routes: RouteDef[], info: OpenApiInfo): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    if (r.options.hidden || r.ws) continue;
    const tokens = parsePattern(r.path);
    const oaPath = tokens.map((t) => (t.kind === 'static' ? t.text : `{${t.name}}`)).join('');
    const s = r.options.schema ?? {};
    const paramProps = s.params ? ((toSchema(s.params, 'input').properties ?? {}) as Record<string, Json>) : {};
    const parameters: Json[] = [];
    for (const t of tokens) {
      if (t.kind === 'static') continue;
      const schema = paramProps[t.name] ?? { type: 'string', ...(t.kind === 'param' && t.regex ? { pattern: t.regex.source } : {}) };
      parameters.push({ name: t.name, in: 'path', required: true, schema });
    }
    if (s.query) {
      const q = toSchema(s.query, 'input');
      const req = new Set((q.required as string[] | undefined) ?? []);
      for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, Json>)) {
        parameters.push({ name, in: 'query', required: req.has(name), schema });
      }
    }
    const op: Json = {};
    if (r.options.operationId) op.operationId = r.options.operationId;
    if (r.options.summary) op.summary = r.options.summary;
    if (r.options.description) op.description = r.options.description;
    if (r.options.tags) op.tags = r.options.tags;
    if (parameters.length) op.parameters = parameters;
    if (s.body) op.requestBody = { required: true, content: { 'application/json': { schema: toSchema(s.body, 'input') } } };
    const responses: Record<string, Json> = {};
    for (const [status, schema] of Object.entries(s.response ?? {})) {
      responses[status] = { description: describe(Number(status)), content: { 'application/json': { schema: toSchema(schema, 'output') } } };
    }
    if (Object.keys(responses).length === 0) responses['200'] = { description: 'OK' };
    responses.default = { description: 'Error', content: { 'application/json': { schema: ERROR_REF } } };
    op.responses = responses;
    if (info.bearerAuth && info.public?.includes(`${r.method} ${r.path}`)) op.security = [];
    (paths[oaPath] ??= {})[r.method.toLowerCase()] = op;
  }
  const doc: Json = {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, ...(info.description ? { description: info.description } : {}) },
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
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
      },
      ...(info.bearerAuth ? { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } } : {}),
    },
  };
  if (info.servers) doc.servers = info.servers;
  if (info.bearerAuth) doc.security = [{ bearerAuth: [] }];
  return doc;
}

function describe(status: number): string {
  const names: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content' };
  return names[status] ?? `Status ${status}`;
}
