import type { ZodType } from 'zod';
import type { Context } from '../context';
import type { Middleware, RouteSchema } from '../types';
import { queryToObject, validateWith } from '../validation';

/**
 * Checks params, query and body against zod schemas before the handler runs and puts the
 * parsed values on `ctx.valid` (params also replace `ctx.params`). A bad URL part is a
 * 400; a body that is well-formed JSON but does not fit is a 422 (see `ctx.json`).
 */
export function validate(schema: { body?: ZodType; query?: ZodType; params?: ZodType }): Middleware {
  return async (ctx: Context, next) => {
    const valid = (ctx.valid ??= {});
    if (schema.params) {
      valid.params = validateWith(schema.params, ctx.params, 'params');
      ctx.params = valid.params as Record<string, string>;
    }
    if (schema.query) valid.query = validateWith(schema.query, queryToObject(ctx.query), 'query');
    if (schema.body) valid.body = await ctx.json(schema.body);
    await next();
  };
}

/** @internal The middleware a route's `schema` option becomes. */
export function schemaMiddleware(schema: RouteSchema): Middleware {
  return validate(schema);
}
