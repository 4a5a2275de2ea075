import type { ServerResponse } from 'node:http';

/**
 * An error that carries the HTTP answer it should become. Throw it anywhere in a handler
 * or middleware; the framework renders it as `{"error":{"code","message"}}` with `status`.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string> | undefined;
  readonly details: unknown;
  /** Set by the framework when the underlying cause should be logged but never shown. */
  override readonly cause: unknown;

  constructor(status: number, code: string, message: string, opts?: { headers?: Record<string, string>; details?: unknown; cause?: unknown }) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = opts?.headers;
    this.details = opts?.details;
    this.cause = opts?.cause;
  }
}

export function isHttpError(err: unknown): err is HttpError {
  return err instanceof HttpError;
}

/** Shorthands for the codes the framework itself raises, so messages stay consistent. */
export const errors = {
  badRequest: (message: string, details?: unknown) => new HttpError(400, 'bad_request', message, { details }),
  notFound: (message = 'No such route.') => new HttpError(404, 'not_found', message),
  methodNotAllowed: (allow: string) => new HttpError(405, 'method_not_allowed', `Method not allowed here; use ${allow}.`, { headers: { Allow: allow } }),
  payloadTooLarge: (limit: number) => new HttpError(413, 'payload_too_large', `Body is larger than the limit of ${limit} bytes.`),
  unsupportedMediaType: (expected: string) => new HttpError(415, 'unsupported_media_type', `Expected a body of type ${expected}.`),
  unprocessable: (message: string, details?: unknown) => new HttpError(422, 'validation', message, { details }),
  timeout: () => new HttpError(503, 'timeout', 'The server took too long to answer; try again.', { headers: { 'Retry-After': '1' } }),
  shuttingDown: () =>
    new HttpError(503, 'shutting_down', 'The server is shutting down; try again shortly.', {
      headers: { Connection: 'close', 'Retry-After': '1' },
    }),
};

export type ErrorLogger = (err: unknown, info: { method: string; path: string; requestId: string }) => void;

const INTERNAL_BODY = '{"error":{"code":"internal","message":"Internal error."}}';

/** The JSON body for an error; unknown errors never show their message or stack. */
export function errorBody(err: unknown): { status: number; body: string; headers: Record<string, string> | undefined } {
  if (err instanceof HttpError) {
    const payload: { code: string; message: string; details?: unknown } = { code: err.code, message: err.message };
    if (err.details !== undefined) payload.details = err.details;
    let body: string;
    try {
      body = JSON.stringify({ error: payload });
    } catch {
      body = JSON.stringify({ error: { code: err.code, message: err.message } });
    }
    return { status: err.status, body, headers: err.headers };
  }
  return { status: 500, body: INTERNAL_BODY, headers: undefined };
}

/**
 * Writes an error answer if the response can still carry one; otherwise the socket is
 * destroyed so the client sees a truncated answer rather than a wrong one.
 */
export function writeError(res: ServerResponse, err: unknown, extraHeaders?: Record<string, string>): void {
  if (res.headersSent || res.writableEnded) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  const { status, body, headers } = errorBody(err);
  // Headers set by the handler before it failed (e.g. a half-built file answer) must not leak.
  for (const name of res.getHeaderNames()) {
    if (!KEEP_ON_ERROR.has(name)) res.removeHeader(name);
  }
  if (extraHeaders) for (const k in extraHeaders) res.setHeader(k, extraHeaders[k]);
  if (headers) for (const k in headers) res.setHeader(k, headers[k]);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/** Headers that still apply to an error answer (CORS, request id, rate limits, connection). */
const KEEP_ON_ERROR = new Set([
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-expose-headers',
  'vary',
  'x-request-id',
  'connection',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit-policy',
  'retry-after',
]);
