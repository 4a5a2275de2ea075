import type { ZodType } from 'zod';
import { HttpError } from './errors';

export type ValidationTarget = 'body' | 'query' | 'params';

export interface ValidationIssue {
  path: string;
  message: string;
  code: string;
}

/**
 * Checks a value against a zod schema. Failure is a 422 `invalid` naming the first problem
 * in its message and listing every issue in `details`, so a client can fix all at once.
 * Query and params failures are 400: a URL that does not fit is bad input, not a
 * well-formed document with wrong values.
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
  if (where === 'body') throw new HttpError(422, 'invalid', message, { details: { issues } });
  throw new HttpError(400, 'bad_request', message, { details: { issues } });
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
