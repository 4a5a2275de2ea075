import { z } from 'zod';
import { validateWith, type Blueprint, type Context, type RouteSchema } from '../http/index';
import { procedures, type HttpBinding, type ProcedureName } from '../../shared/contract/index';
import type { CallContext, Handlers } from '../ipc/index';

/*
 * The REST routes that the contract declares (`http` on a procedure in src/shared/contract):
 * one registration per procedure, whose handler is the very function the IPC dispatcher
 * calls. The route's params, query and body schemas are cut from the procedure's input
 * schema, so the OpenAPI document (built from route schemas) and both transports' checks
 * come from one declaration. Routes the contract has no procedure for (uploads, blobs,
 * Lobe, metrics, health) stay written by hand beside this.
 */

type AnyObject = z.ZodObject<z.ZodRawShape>;
type Valid = { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: Record<string, unknown> };

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
}

/**
 * A query string carries text: a number field of the input reads it as a number (`?limit=20`),
 * through optional and default wrappers, as the hand-written query schemas did with z.coerce.
 */
function forQuery(schema: z.ZodType, where: string): z.ZodType {
  if (schema instanceof z.ZodOptional) return forQuery(schema.unwrap() as z.ZodType, where).optional();
  if (schema instanceof z.ZodDefault) return forQuery(schema.unwrap() as z.ZodType, where).default(schema.def.defaultValue as never);
  if (schema instanceof z.ZodNumber) return schema.clone({ ...schema.def, coerce: true });
  if (schema instanceof z.ZodString || schema instanceof z.ZodEnum || schema instanceof z.ZodNullable) return schema;
  throw new Error(`${where}: a query parameter of this type cannot be read from text; give the procedure a body or a string field.`);
}

/** The route schemas of one binding, cut from the procedure's input. */
export function routeSchemas(name: string, input: z.ZodType, b: HttpBinding): { schema: RouteSchema; fieldOf: Record<string, string> } {
  if (!(input instanceof z.ZodObject)) throw new Error(`${name}: a procedure served over HTTP takes an object.`);
  const shape = (input as AnyObject).shape;
  const fieldOf: Record<string, string> = {};
  const params: Record<string, z.ZodType> = {};
  for (const p of pathParams(b.path)) {
    const field = b.params?.[p] ?? p;
    if (!(field in shape)) throw new Error(`${name}: path parameter :${p} names no input field "${field}".`);
    fieldOf[p] = field;
    params[p] = shape[field] as z.ZodType;
  }
  const taken = Object.fromEntries(Object.values(fieldOf).map((f) => [f, true as const]));
  const rest = (input as AnyObject).omit(taken);
  const schema: RouteSchema = {};
  if (Object.keys(params).length) schema.params = z.object(params);
  const hasRest = Object.keys(rest.shape).length > 0;
  if (BODY_METHODS.has(b.method)) {
    if (hasRest || b.optionalBody) schema.body = b.optionalBody ? rest.optional() : rest;
  } else if (hasRest) {
    schema.query = z.object(Object.fromEntries(Object.entries(rest.shape).map(([k, v]) => [k, forQuery(v as z.ZodType, `${name}.${k}`)])));
  }
  return { schema, fieldOf };
}

/** Mounts every procedure that names an HTTP route, each answered by its IPC handler. */
export function contractRoutes(v1: Blueprint, handlers: Handlers, only?: (name: ProcedureName) => boolean): void {
  for (const name of Object.keys(procedures) as ProcedureName[]) {
    const def = procedures[name] as { input: z.ZodType; output: z.ZodType; http?: HttpBinding };
    const b = def.http;
    if (!b || (only && !only(name))) continue;
    const { schema, fieldOf } = routeSchemas(name, def.input, b);
    const status = b.status ?? 200;
    schema.response = { [status]: status === 204 ? null : def.output };
    const handler = handlers[name] as (input: unknown, ctx: CallContext) => unknown;
    const options = { summary: b.summary, tags: b.tags, schema, ...(b.timeoutMs !== undefined ? { timeoutMs: b.timeoutMs } : {}) };
    v1.route(b.method, b.path, options, async (ctx: Context) => {
      const valid = (ctx.valid ?? {}) as Valid;
      const merged: Record<string, unknown> = { ...valid.query, ...valid.body };
      for (const [p, field] of Object.entries(fieldOf)) merged[field] = valid.params?.[p];
      // The pieces were checked one by one; the whole is checked as the dispatcher checks it.
      const input = validateWith(def.input, merged, 'body');
      const value = await handler(input, { transport: 'http', signal: ctx.signal });
      if (status === 204) return ctx.empty(204);
      const checked = def.output.safeParse(value);
      // An answer of the wrong shape is a bug: a 500 (logged by the app), never leaked.
      if (!checked.success) throw new Error(`${name} answered a value its output schema refuses: ${checked.error.message}`);
      ctx.status(status);
      return checked.data;
    });
  }
}
