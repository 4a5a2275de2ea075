import type { ZodType } from 'zod';
import { HttpError } from './errors';

export type ValidationTarget = 'body' | 'query' | 'params';

export interface ValidationIssue {
  path: string;
  message: string;
  code: string;
}

/**
 * Checks a value against a zod schema. Failure is a 422 `validation` naming the first
 * problem in its message and listing every issue in `details` (plus `field`, the dotted
 * path of the first), so a client can fix all at once. Bodies, query parameters and path
 * parameters share the one code and status: the request was well-formed HTTP, a value in
 * it was wrong. Malformed syntax (not JSON, broken multipart) stays 400 `bad_request`.
 */
export function validateWith<T>(schema: ZodType<T>, value: unknown, where: ValidationTarget): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues: ValidationIssue[] = r.error.issues.map((i) => ({
    path: i.path.map(String).join('.'),
    message: i.message,
    code: i.code,
  }));
  const first = issues[0];
  const at = first?.path ? `${where}.${first.path}` : where;
  const message = first ? `Invalid ${at}: ${first.message}` : `Invalid ${where}.`;
  const field = first?.path ? (where === 'body' ? first.path : `${where}.${first.path}`) : where;
  throw new HttpError(422, 'validation', message, { details: { field, issues } });
}

/**
 * Query parameters a route does not declare: a typo (`?lable=cats`) must not be silently
 * ignored, so it answers 400 `unknown_parameter` naming the parameter and the ones the
 * route takes. An unknown name is a URL that does not fit the route, unlike a known
 * parameter with a wrong value (422 `validation`).
 */
export function rejectUnknownQuery(q: URLSearchParams, allowed: readonly string[]): void {
  for (const name of q.keys()) {
    if (allowed.includes(name)) continue;
    const takes = allowed.length ? `it takes ${allowed.map((a) => `"${a}"`).join(', ')}` : 'it takes none';
    throw new HttpError(400, 'unknown_parameter', `Unknown query parameter "${name}"; ${takes}.`, {
      details: { field: `query.${name}`, allowed },
    });
  }
}

/** The keys of a zod object schema (query schemas are objects); null when it is not one. */
export function objectKeys(schema: ZodType): string[] | null {
  const shape = (schema as { shape?: unknown }).shape;
  return shape && typeof shape === 'object' ? Object.keys(shape) : null;
}

/** Turns URLSearchParams into a plain record: repeated keys become arrays. */
export function queryToObject(q: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of q) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return out;
}
