import type { ZodType } from 'zod';
import type { Context } from './context';

export type Middleware = (ctx: Context, next: () => Promise<void>) => Promise<void> | void;
/** A route handler; a returned value other than undefined is sent as JSON (200) if nothing was sent. */
export type Handler<C extends Context = Context> = (ctx: C) => unknown;

/** A JSON Schema written by hand, for what zod cannot say (binary parts, raw bytes). */
export type JsonSchema = Record<string, unknown>;

/** A body that is not JSON from a zod schema: a media type, and its schema when it has one. */
export interface BodyDoc {
  contentType: string;
  schema?: ZodType | JsonSchema;
  description?: string;
}

export interface RouteSchema {
  body?: ZodType;
  query?: ZodType;
  params?: ZodType;
  /**
   * Bodies the handler reads itself (multipart, raw bytes, JSON it parses), for the OpenAPI
   * document only; `body` above documents itself.
   */
  requestBody?: { required?: boolean; description?: string; content: BodyDoc[] };
  /**
   * Success answers by status, for the OpenAPI document only (not enforced): a zod schema
   * is a JSON body; a BodyDoc (or a list of them) another media type; null no body (204,
   * 101). Error answers (4XX, 5XX) are added by the document builder.
   */
  response?: Record<number, ZodType | BodyDoc | BodyDoc[] | null>;
}

export interface RouteOptions<S extends RouteSchema = RouteSchema> {
  schema?: S;
  summary?: string;
  description?: string;
  tags?: string[];
  operationId?: string;
  /** Leave this route out of the OpenAPI document. */
  hidden?: boolean;
  /** Overrides the app's handler timeout for this route (0: none). */
  timeoutMs?: number;
  /** Overrides the app's body limit for `ctx.json/text/raw/form` on this route. */
  bodyLimit?: number;
  /**
   * Media types that `ctx.json` also reads as JSON on this route: `'text/plain'` and `''`
   * (no Content-Type) for old clients and browser "simple requests" that cannot set
   * `application/json` without a CORS preflight. The OpenAPI document lists them.
   */
  jsonAs?: string[];
}

type Infer<T> = T extends ZodType<infer O> ? O : undefined;

/** Values checked by a route's schema, available as `ctx.valid` with their inferred types. */
export interface Validated<S extends RouteSchema> {
  body: Infer<S['body']>;
  query: Infer<S['query']>;
  params: Infer<S['params']>;
}

type CleanName<N extends string> = N extends `${infer Base}(${string}` ? Base : N;

/** `'/users/:id/files/*path'` → `{ id: string; path: string }`. */
export type ParamsOf<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in CleanName<Name>]: string } & ParamsOf<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? { [K in CleanName<Name>]: string }
    : P extends `${string}/*${infer W}`
      ? { [K in W extends '' ? '*' : W]: string }
      : unknown;

export type PathContext<P extends string> = Context<ParamsOf<P> & Record<string, string>>;
export type SchemaContext<P extends string, S extends RouteSchema> = PathContext<P> & { valid: Validated<S> };
