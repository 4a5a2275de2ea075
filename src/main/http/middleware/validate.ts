import type { ZodType } from 'zod';
import type { Context } from '../context';
import type { Middleware, RouteSchema } from '../types';
import { objectKeys, queryToObject, rejectUnknownQuery, validateWith } from '../validation';

/**
 * Checks params, query and body against zod schemas before the handler runs and puts the
 * parsed values on `ctx.valid` (params also replace `ctx.params`). A value that does not
 * fit is a 422 `validation`, wherever it sits. A route that declares a schema is strict
 * about its query string: a parameter its query schema does not name (or any parameter,
 * when it has no query schema) is a 400 `unknown_parameter`.
 */
export function validate(schema: { body?: ZodType; query?: ZodType; params?: ZodType }): Middleware {
  const queryKeys = schema.query ? objectKeys(schema.query) : [];
  return async (ctx: Context, next) => {
    const valid = (ctx.valid ??= {});
    if (schema.params) {
      valid.params = validateWith(schema.params, ctx.params, 'params');
      ctx.params = valid.params as Record<string, string>;
    }
    if (queryKeys) rejectUnknownQuery(ctx.query, queryKeys);
    if (schema.query) valid.query = validateWith(schema.query, queryToObject(ctx.query), 'query');
    if (schema.body) valid.body = await ctx.json(schema.body);
    await next();
  };
}

/** @internal The middleware a route's `schema` option becomes. */
export function schemaMiddleware(schema: RouteSchema): Middleware {
  return validate(schema);
}
