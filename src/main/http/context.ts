import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { ZodType } from 'zod';
import { hasBody, isJsonType, mediaType, parseJsonSafe, parseUrlEncoded, readBody, readBodyAs } from './body';
import { parseCookies, serializeCookie, type CookieOptions } from './cookies';
import { HttpError, errors } from './errors';
import { parseMultipart, type MultipartOptions, type MultipartResult } from './multipart';
import { sendBytes, sendFile, type SendBytesOptions, type SendFileOptions } from './send-file';
import { SseStream, type SseOptions } from './sse';
import { sendStream } from './stream';
import { validateWith } from './validation';

/** A typed key for `app.provide` / `ctx.get`. */
export class Key<T> {
  declare readonly __type: T;
  constructor(readonly name: string) {}
}
export function key<T>(name: string): Key<T> {
  return new Key<T>(name);
}

/** What the context needs from its app; kept narrow so Context does not import App. */
export interface ContextHost {
  readonly bodyLimit: number;
  readonly trustProxy: boolean;
  lookup(key: Key<unknown> | string): unknown;
  nextRequestId(): string;
}

export interface UpgradeInfo {
  socket: Duplex;
  head: Buffer;
}

/** Transforms a finished body before it is written (compression hooks in here). */
export type BodyHook = (ctx: Context, body: string | Buffer, type: string) => string | Buffer;

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The per-request object. Everything that costs something to compute (query, cookies,
 * signal, state, request id) is built on first use, so a handler that reads only params
 * pays for nothing else.
 */
export class Context<P extends Record<string, string> = Record<string, string>> {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly path: string;
  params: P;
  /** The route pattern that matched, or null for 404/405/OPTIONS answers. */
  route: string | null;
  /** Values checked by `validate()` or a route's `schema`, typed by the route. */
  valid: { body?: unknown; query?: unknown; params?: unknown } | undefined = undefined;
  upgrade: UpgradeInfo | null = null;
  /** Body limit for this request; a route's `bodyLimit` option sets it. */
  bodyLimit: number | undefined = undefined;
  /** Media types besides JSON's that `json()` reads as JSON here ('' = no Content-Type); a route's `jsonAs` option sets it. */
  jsonAs: readonly string[] | undefined = undefined;
  /** True once an answer has been started; later sends are ignored after a timeout. */
  responded = false;
  timedOut = false;
  /** @internal When the handler timeout fires (epoch ms); set only for async handlers. */
  deadline = 0;
  /** @internal Links of the in-flight list kept by Deadlines. */
  dlPrev: Context | null = null;
  /** @internal */ dlNext: Context | null = null;
  /** @internal */ dlLinked = false;
  /** @internal */ host: ContextHost;
  /** @internal */ hooks: BodyHook[] | null = null;
  /** @internal */ headerHooks: ((ctx: Context) => void)[] | null = null;
  private rawQuery: string;
  private _query: URLSearchParams | undefined = undefined;
  private _cookies: Record<string, string> | undefined = undefined;
  private _state: Record<string, unknown> | undefined = undefined;
  private _requestId: string | undefined = undefined;
  private _ac: AbortController | undefined = undefined;
  private _abortReason: unknown = undefined;
  /** @internal The body's bytes once read by `json()` (a promise is made only if `raw()` asks). */
  _bodyBuf: Buffer | undefined = undefined;
  /** @internal */ _body: Promise<Buffer> | undefined = undefined;
  /** @internal */ _schema: ZodType | undefined = undefined;
  private _status = 200;
  private _touched = false;

  constructor(host: ContextHost, req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string, params: P, route: string | null) {
    this.host = host;
    this.req = req;
    this.res = res;
    this.method = req.method as string;
    this.path = path;
    this.rawQuery = rawQuery;
    this.params = params;
    this.route = route;
  }

  // ---- request ---------------------------------------------------------------------------

  get headers(): IncomingHttpHeaders {
    return this.req.headers;
  }
  get query(): URLSearchParams {
    return (this._query ??= new URLSearchParams(this.rawQuery));
  }
  get cookies(): Record<string, string> {
    return (this._cookies ??= parseCookies(this.req.headers.cookie));
  }
  get state(): Record<string, unknown> {
    return (this._state ??= {});
  }
  get requestId(): string {
    return (this._requestId ??= this.host.nextRequestId());
  }
  set requestId(id: string) {
    this._requestId = id;
  }
  get ip(): string {
    if (this.host.trustProxy) {
      const fwd = this.req.headers['x-forwarded-for'];
      if (typeof fwd === 'string' && fwd) return fwd.split(',')[0].trim();
    }
    return this.req.socket.remoteAddress ?? '';
  }
  /** Aborts when the client goes away before the answer is complete, or on handler timeout. */
  get signal(): AbortSignal {
    if (this._ac === undefined) {
      const ac = (this._ac = new AbortController());
      if (this._abortReason !== undefined) ac.abort(this._abortReason);
      else {
        const onClose = () => {
          if (!this.res.writableFinished) ac.abort(new Error('Client closed the connection.'));
        };
        this.res.once('close', onClose);
        this.upgrade?.socket.once('close', onClose);
      }
    }
    return this._ac.signal;
  }
  /** @internal */
  abort(reason: unknown): void {
    this._abortReason = reason;
    this._ac?.abort(reason);
  }
  get<T>(k: Key<T>): T;
  get<T = unknown>(k: string): T;
  get(k: Key<unknown> | string): unknown {
    return this.host.lookup(k);
  }

  /** The raw body as a Buffer, at most `limit` bytes (default: the app's bodyLimit). Cached. */
  raw(limit?: number): Promise<Buffer> {
    if (this._body === undefined) {
      const buf = this._bodyBuf;
      this._body = buf !== undefined ? Promise.resolve(buf) : readBody(this.req, limit ?? this.bodyLimit ?? this.host.bodyLimit);
    }
    return this._body;
  }
  async text(limit?: number): Promise<string> {
    return (await this.raw(limit)).toString('utf8');
  }
  /**
   * Reads a JSON body. Policy: no body at all → the schema sees `undefined` (so optional
   * bodies work) and without a schema a 400 `empty_body`; a body that is not
   * `application/json` (or `+json`) → 415; malformed → 400; a `__proto__`, `constructor`
   * or `prototype` key → 400 `forbidden_key`; schema failure → 422 `validation` with issues.
   */
  json<T = unknown>(schema?: ZodType<T>, limit?: number): Promise<T> {
    const req = this.req;
    if (!hasBody(req)) {
      if (!schema) return Promise.reject(new HttpError(400, 'empty_body', 'The request body is empty; send a JSON value.'));
      try {
        return Promise.resolve(validateWith(schema, undefined, 'body'));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const type = mediaType(req);
    if (!isJsonType(type) && !this.jsonAs?.includes(type)) return Promise.reject(errors.unsupportedMediaType('application/json'));
    // Not async: one promise hop fewer on the most common body path.
    this._schema = schema;
    if (this._bodyBuf !== undefined) {
      try {
        return Promise.resolve(finishJson(this._bodyBuf, this) as T);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (this._body !== undefined) return this._body.then((buf) => finishJson(buf, this) as T);
    // First read: parse inside the end event (one promise), keeping the bytes for raw()/text().
    return readBodyAs(req, limit ?? this.bodyLimit ?? this.host.bodyLimit, finishJson, this) as Promise<T>;
  }
  /** Reads an `application/x-www-form-urlencoded` body into a prototype-free record. */
  async form(limit?: number): Promise<Record<string, string | string[]>> {
    const type = mediaType(this.req);
    if (hasBody(this.req) && type !== 'application/x-www-form-urlencoded') {
      throw errors.unsupportedMediaType('application/x-www-form-urlencoded');
    }
    return parseUrlEncoded(await this.text(limit));
  }
  /** Parses `multipart/form-data` with busboy; see MultipartOptions for limits and storage. */
  multipart(opts: MultipartOptions = {}): Promise<MultipartResult> {
    return parseMultipart(this.req, opts);
  }

  // ---- response --------------------------------------------------------------------------

  status(code: number): this {
    this._status = code;
    return this;
  }
  get statusCode(): number {
    return this._status;
  }
  header(name: string, value: string | number | readonly string[]): this {
    this._touched = true;
    this.res.setHeader(name, value);
    return this;
  }
  /** Adds to a header instead of replacing it (Vary, Set-Cookie). */
  appendHeader(name: string, value: string): this {
    this._touched = true;
    this.res.appendHeader(name, value);
    return this;
  }
  setCookie(name: string, value: string, opts?: CookieOptions): this {
    return this.appendHeader('set-cookie', serializeCookie(name, value, opts));
  }
  clearCookie(name: string, opts?: CookieOptions): this {
    return this.setCookie(name, '', { ...opts, maxAge: 0, expires: new Date(0) });
  }
  /** Runs `fn` just before the status line and headers are written (any kind of answer but errors). */
  onHeaders(fn: (ctx: Context) => void): void {
    (this.headerHooks ??= []).push(fn);
  }
  /** Registers a transform applied to string/Buffer bodies just before they are written. */
  onBeforeSend(hook: BodyHook): void {
    (this.hooks ??= []).push(hook);
  }

  send(body: string | Buffer | Uint8Array | Readable, contentType?: string): void | Promise<void> {
    if (typeof body === 'string') return this.end(this._status, body, contentType ?? 'text/plain; charset=utf-8');
    if (body instanceof Uint8Array) {
      const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      return this.end(this._status, buf, contentType ?? 'application/octet-stream');
    }
    return this.stream(body, contentType);
  }
  sendJson(value: unknown, status?: number): void {
    this.end(status ?? this._status, JSON.stringify(value) ?? 'null', JSON_TYPE);
  }
  sendText(text: string, status?: number): void {
    this.end(status ?? this._status, text, 'text/plain; charset=utf-8');
  }
  sendHtml(html: string, status?: number): void {
    this.end(status ?? this._status, html, 'text/html; charset=utf-8');
  }
  /** An empty answer (default 204). */
  empty(status = 204): void {
    this.end(status, '', '');
  }
  redirect(url: string, status = 302): void {
    if (/[\r\n]/.test(url)) throw errors.badRequest('Redirect target contains a line break.');
    this.header('location', url);
    this.end(status, '', '');
  }
  /** Pipes a stream as the body; resolves when it is fully written (or the client left). */
  stream(body: Readable, contentType = 'application/octet-stream'): Promise<void> {
    if (this.claim()) return Promise.resolve();
    return sendStream(this, body, contentType, this._status);
  }
  /** Starts a server-sent events stream; the answer stays open until `close()` or the client leaves. */
  sse(opts?: SseOptions): SseStream {
    this.claim();
    return new SseStream(this, opts);
  }
  /** Sends a file with ETag, Last-Modified, Range and 304 support. */
  sendFile(path: string, opts?: SendFileOptions): Promise<void> {
    if (this.responded) return Promise.resolve();
    return sendFile(this, path, opts);
  }
  /** Sends bytes held in memory under the caller's ETag, with sendFile's caching and 304s. */
  sendBytes(bytes: Buffer, opts: SendBytesOptions): void {
    if (this.responded) return;
    sendBytes(this, bytes, opts);
  }

  /** @internal Marks the answer as started; true when it must not be written (timed out). */
  claim(): boolean {
    if (this.timedOut || this.res.writableEnded) return true;
    if (this.responded) throw new Error('A response was already sent for this request.');
    this.responded = true;
    if (this.headerHooks !== null) for (const h of this.headerHooks) h(this);
    return false;
  }

  /** @internal Writes a complete answer; the hot path when no header was touched. */
  end(status: number, body: string | Buffer, type: string): void {
    if (this.claim()) return;
    if (this.hooks !== null) for (const h of this.hooks) body = h(this, body, type);
    const res = this.res;
    const len = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    if (!this._touched && this.hooks === null) {
      if (type === '') res.writeHead(status);
      else res.writeHead(status, { 'content-type': type, 'content-length': len });
    } else {
      res.statusCode = status;
      if (type !== '' && !res.hasHeader('content-type')) res.setHeader('content-type', type);
      if (status !== 204 && status !== 304) res.setHeader('content-length', len);
    }
    res.end(status === 204 || status === 304 ? undefined : body);
  }
}

/** Module-level so the JSON body path creates no closure per request. */
function finishJson(buf: Buffer, ctx: Context): unknown {
  ctx._bodyBuf = buf;
  const schema = ctx._schema;
  if (buf.length === 0) {
    if (!schema) throw new HttpError(400, 'empty_body', 'The request body is empty; send a JSON value.');
    return validateWith(schema, undefined, 'body');
  }
  const value = parseJsonSafe(buf.toString('utf8'));
  return schema ? validateWith(schema, value, 'body') : value;
}
