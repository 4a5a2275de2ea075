import { createHmac } from 'node:crypto';
import type { Context } from '../context';
import type { Middleware } from '../types';
import { sameSecret } from './bearer-auth';

export interface SessionOptions {
  /**
   * Signing secret, or several: the first signs, all verify (rotate by prepending). A function
   * is asked on every request, so an app whose key changes at run time (derived from a
   * token the user can regenerate) ends every session signed with the old one.
   */
  secret: string | readonly string[] | (() => string | readonly string[]);
  cookieName?: string;
  /** Lifetime in seconds, renewed on every change. Default 7 days. */
  maxAge?: number;
  sameSite?: 'Strict' | 'Lax' | 'None';
  /** Default: true when the request came over TLS. */
  secure?: boolean;
}

/** Cookie-held session data; changes are written back when the answer starts. */
export class Session {
  private data: Record<string, unknown>;
  /** @internal */ changed = false;
  /** @internal */ destroyed = false;
  constructor(data: Record<string, unknown>) {
    this.data = data;
  }
  get<T = unknown>(key: string): T | undefined {
    return this.data[key] as T | undefined;
  }
  set(key: string, value: unknown): void {
    this.data[key] = value;
    this.changed = true;
  }
  delete(key: string): void {
    delete this.data[key];
    this.changed = true;
  }
  /** Ends the session: the cookie is cleared. */
  destroy(): void {
    this.data = {};
    this.destroyed = true;
    this.changed = true;
  }
  toJSON(): Record<string, unknown> {
    return this.data;
  }
}

const STATE_KEY = 'session';

/** The session of a request handled under `sessions()`. */
export function getSession(ctx: Context): Session {
  const s = ctx.state[STATE_KEY];
  if (!(s instanceof Session)) throw new Error('getSession() needs the sessions() middleware.');
  return s;
}

/**
 * Signed cookie sessions: the data lives in the cookie as base64url JSON with an
 * HMAC-SHA256 signature and an expiry; a bad signature or an expired cookie is an empty
 * session. Cookies are `HttpOnly`, `SameSite=Lax` by default, `Secure` over TLS.
 */
export function sessions(opts: SessionOptions): Middleware {
  const secret = opts.secret;
  const fixed = typeof secret === 'function' ? null : checkSecrets(secret);
  const name = opts.cookieName ?? 'session';
  const maxAge = opts.maxAge ?? 7 * 24 * 3600;
  return (ctx, next) => {
    const secrets = fixed ?? checkSecrets((secret as () => string | readonly string[])());
    const session = new Session(read(ctx.cookies[name], secrets) ?? {});
    ctx.state[STATE_KEY] = session;
    ctx.onHeaders(() => {
      if (!session.changed) return;
      const secure = opts.secure ?? Boolean((ctx.req.socket as { encrypted?: boolean }).encrypted);
      if (session.destroyed) {
        ctx.clearCookie(name, { sameSite: opts.sameSite, secure });
        return;
      }
      const payload = Buffer.from(JSON.stringify({ d: session.toJSON(), e: Date.now() + maxAge * 1000 })).toString('base64url');
      ctx.setCookie(name, `${payload}.${sign(payload, secrets[0])}`, { maxAge, httpOnly: true, sameSite: opts.sameSite ?? 'Lax', secure });
    });
    return next();
  };
}

function checkSecrets(secret: string | readonly string[]): string[] {
  const secrets = typeof secret === 'string' ? [secret] : [...secret];
  if (secrets.length === 0 || secrets.some((s) => s.length < 16)) {
    throw new Error('sessions: each secret must be at least 16 characters.');
  }
  return secrets;
}

function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

function read(cookie: string | undefined, secrets: string[]): Record<string, unknown> | null {
  if (!cookie) return null;
  const dot = cookie.lastIndexOf('.');
  if (dot <= 0) return null;
  const payload = cookie.slice(0, dot);
  const mac = cookie.slice(dot + 1);
  if (!secrets.some((s) => sameSecret(sign(payload, s), mac))) return null;
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { d?: unknown; e?: unknown };
    if (typeof parsed.e !== 'number' || parsed.e < Date.now()) return null;
    if (typeof parsed.d !== 'object' || parsed.d === null || Array.isArray(parsed.d)) return null;
    return Object.assign(Object.create(null), parsed.d) as Record<string, unknown>;
  } catch {
    return null;
  }
}
