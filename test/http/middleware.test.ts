import { afterEach, describe, expect, it } from 'vitest';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { z } from 'zod';
import {
  accessLog,
  bearerAuth,
  compress,
  cors,
  csrf,
  csrfToken,
  getSession,
  hostAllowList,
  rateLimit,
  requestId,
  sessions,
  validate,
  type AccessLogEntry,
} from '../../src/main/http';
import { lifecycle, rawRequest } from './helpers';

const L = lifecycle();
afterEach(() => L.closeAll());

describe('bearerAuth and hostAllowList', () => {
  it('refuses a missing or wrong token with 401 and a foreign Host with 421 even with the token', async () => {
    let token = 'secret-1';
    const { url, port } = await L.up((app) => {
      app.use(hostAllowList({ hosts: 'loopback' }));
      app.use(bearerAuth({ token: () => token, exclude: (ctx) => ctx.path === '/health' }));
      app.get('/health', () => ({ status: 'ok' }));
      app.get('/data', () => ({ data: 1 }));
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    let r = await fetch(`${url}/data`);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expect((await r.json()).error.code).toBe('unauthorized');
    r = await fetch(`${url}/data`, { headers: { authorization: 'Bearer nope' } });
    expect(r.status).toBe(401);
    r = await fetch(`${url}/data`, { headers: { authorization: 'Bearer secret-1' } });
    expect(await r.json()).toEqual({ data: 1 });
    token = 'secret-2';
    r = await fetch(`${url}/data`, { headers: { authorization: 'Bearer secret-1' } });
    expect(r.status).toBe(401);
    // fetch will not let us forge Host, so speak HTTP directly.
    const raw = await rawRequest(port, 'GET /data HTTP/1.1\r\nHost: evil.example:80\r\nAuthorization: Bearer secret-2\r\nConnection: close\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 421/);
    expect(raw).toContain('"misdirected"');
    const ok = await rawRequest(port, 'GET /data HTTP/1.1\r\nHost: [::1]:9\r\nAuthorization: Bearer secret-2\r\nConnection: close\r\n\r\n');
    expect(ok).toMatch(/^HTTP\/1\.1 200/);
    const none = await rawRequest(port, 'GET /data HTTP/1.0\r\nAuthorization: Bearer secret-2\r\n\r\n');
    expect(none).toMatch(/^HTTP\/1\.[01] (421|400)/);
  });
});

describe('cors', () => {
  it('answers preflights from allowed origins and refuses others', async () => {
    const { url } = await L.up((app) => {
      app.use(cors({ origins: ['http://app.example'], credentials: true, exposeHeaders: ['x-total'] }));
      app.post('/things', () => ({ ok: true }));
    });
    let r = await fetch(`${url}/things`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(r.headers.get('access-control-allow-credentials')).toBe('true');
    expect(r.headers.get('access-control-max-age')).toBe('600');
    r = await fetch(`${url}/things`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(r.status).toBe(403);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    r = await fetch(`${url}/things`, { method: 'POST', headers: { origin: 'http://app.example' } });
    expect(r.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(r.headers.get('access-control-expose-headers')).toBe('x-total');
    r = await fetch(`${url}/things`, { method: 'POST', headers: { origin: 'http://evil.example' } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('rateLimit', () => {
  it('answers 429 with Retry-After once the bucket is empty', async () => {
    const { url } = await L.up((app) => {
      app.use(rateLimit({ limit: 3, windowMs: 60_000 }));
      app.get('/x', () => ({ ok: true }));
    });
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${url}/x`);
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-limit')).toBe('3');
      expect(r.headers.get('ratelimit-remaining')).toBe(String(2 - i));
    }
    const r = await fetch(`${url}/x`);
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(r.headers.get('ratelimit-remaining')).toBe('0');
    expect((await r.json()).error.code).toBe('rate_limited');
  });
});

describe('requestId and accessLog', () => {
  it('tags answers with an id and logs one structured line per request without the query', async () => {
    const entries: AccessLogEntry[] = [];
    const { url } = await L.up((app) => {
      app.use(requestId());
      app.use(accessLog((e) => entries.push(e)));
      app.get('/users/:id', (ctx) => ({ id: ctx.params.id, rid: ctx.requestId }));
    });
    const r = await fetch(`${url}/users/7?token=abc`);
    const body = await r.json();
    expect(r.headers.get('x-request-id')).toBe(body.rid);
    const echoed = await fetch(`${url}/users/8`, { headers: { 'x-request-id': 'trace-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-123');
    const evil = await fetch(`${url}/users/8`, { headers: { 'x-request-id': 'a b<script>' } });
    expect(evil.headers.get('x-request-id')).not.toContain('<');
    await new Promise((res) => setTimeout(res, 50));
    expect(entries.length).toBe(3);
    expect(entries[0]).toMatchObject({ method: 'GET', path: '/users/7', route: '/users/:id', status: 200, requestId: body.rid });
    expect(JSON.stringify(entries)).not.toContain('abc');
  });
});

describe('compress', () => {
  it('compresses large text answers for clients that accept it, leaves small ones', async () => {
    const big = { items: Array.from({ length: 200 }, (_, i) => ({ i, name: `item ${i}` })) };
    const { port } = await L.up((app) => {
      app.use(compress({ threshold: 1024 }));
      app.get('/big', () => big);
      app.get('/small', () => ({ ok: true }));
    });
    const get = async (path: string, enc: string) => {
      const res = await new Promise<import('node:http').IncomingMessage>((resolve) => {
        import('node:http').then((http) => http.get({ port, host: '127.0.0.1', path, headers: { 'accept-encoding': enc } }, resolve));
      });
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      return { res, body: Buffer.concat(chunks) };
    };
    const gz = await get('/big', 'gzip');
    expect(gz.res.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gz.body).toString())).toEqual(big);
    expect(Number(gz.res.headers['content-length'])).toBe(gz.body.length);
    const br = await get('/big', 'gzip, br');
    expect(br.res.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(br.body).toString())).toEqual(big);
    const small = await get('/small', 'gzip');
    expect(small.res.headers['content-encoding']).toBeUndefined();
  });
});

describe('sessions and csrf', () => {
  it('keeps signed session data in a cookie, ignores tampering, and accepts rotated secrets', async () => {
    const secretA = 'a'.repeat(32);
    const secretB = 'b'.repeat(32);
    const build = (secrets: string[]) => (app: import('../../src/main/http').App) => {
      app.use(sessions({ secret: secrets }));
      app.post('/login', (ctx) => {
        getSession(ctx).set('user', 'ada');
        return { ok: true };
      });
      app.get('/me', (ctx) => ({ user: getSession(ctx).get('user') ?? null }));
      app.post('/logout', (ctx) => {
        getSession(ctx).destroy();
        return { ok: true };
      });
    };
    const { url } = await L.up(build([secretA]));
    const login = await fetch(`${url}/login`, { method: 'POST' });
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const cookie = setCookie.split(';')[0];
    expect(await (await fetch(`${url}/me`, { headers: { cookie } })).json()).toEqual({ user: 'ada' });
    const [name, value] = cookie.split('=');
    const forged = Buffer.from(JSON.stringify({ d: { user: 'root' }, e: Date.now() + 1e6 })).toString('base64url');
    const tampered = `${name}=${forged}.${value.split('.')[1]}`;
    expect(await (await fetch(`${url}/me`, { headers: { cookie: tampered } })).json()).toEqual({ user: null });
    const rotated = await L.up(build([secretB, secretA]));
    expect(await (await fetch(`${rotated.url}/me`, { headers: { cookie } })).json()).toEqual({ user: 'ada' });
    const out = await fetch(`${url}/logout`, { method: 'POST', headers: { cookie } });
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
  });

  it('asks a secret function on every request: changing what it returns ends the sessions it signed', async () => {
    let secret = 'c'.repeat(32);
    const { url } = await L.up((app) => {
      app.use(sessions({ secret: () => secret, cookieName: 'sid', sameSite: 'Strict' }));
      app.post('/login', (ctx) => {
        getSession(ctx).set('user', 'ada');
        return { ok: true };
      });
      app.get('/me', (ctx) => ({ user: getSession(ctx).get('user') ?? null }));
    });
    const setCookie = (await fetch(`${url}/login`, { method: 'POST' })).headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^sid=/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0];
    expect(await (await fetch(`${url}/me`, { headers: { cookie } })).json()).toEqual({ user: 'ada' });
    secret = 'd'.repeat(32);
    expect(await (await fetch(`${url}/me`, { headers: { cookie } })).json()).toEqual({ user: null });
  });

  it('refuses form posts without the CSRF token and accepts them with it', async () => {
    const { url } = await L.up((app) => {
      app.use(csrf());
      app.get('/form', (ctx) => ctx.sendHtml(`<input name="_csrf" value="${csrfToken(ctx)}">`));
      app.post('/submit', async (ctx) => ({ got: (await ctx.form()).title }));
    });
    const page = await fetch(`${url}/form`);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
    const token = /value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${url}/submit`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers } });
    let r = await post('title=hi');
    expect(r.status).toBe(403);
    expect((await r.json()).error.code).toBe('csrf');
    r = await post(`title=hi&_csrf=${token}`);
    expect(await r.json()).toEqual({ got: 'hi' });
    r = await post('title=hi', { 'x-csrf-token': token });
    expect(r.status).toBe(200);
    r = await post(`title=hi&_csrf=${token}`, { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
  });
});

describe('validate', () => {
  it('checks params and query with 400 and types them', async () => {
    const { url } = await L.up((app) => {
      app.get(
        '/items/:id',
        validate({ params: z.object({ id: z.coerce.number().int() }), query: z.object({ limit: z.coerce.number().max(500).default(50) }) }),
        (ctx) => ({ params: ctx.valid?.params, query: ctx.valid?.query }),
      );
      app.get('/typed/:id', { schema: { query: z.object({ q: z.string() }) } }, (ctx) => ({ id: ctx.params.id, q: ctx.valid.query.q }));
    });
    expect(await (await fetch(`${url}/items/5?limit=10`)).json()).toEqual({ params: { id: 5 }, query: { limit: 10 } });
    let r = await fetch(`${url}/items/x`);
    expect(r.status).toBe(422);
    expect((await r.json()).error.code).toBe('validation');
    r = await fetch(`${url}/items/5?limit=9999`);
    expect(r.status).toBe(422);
    const bad = await r.json();
    expect(bad.error).toMatchObject({ code: 'validation', details: { field: 'query.limit' } });
    expect(bad.error.message).toMatch(/query\.limit/);
    expect(await (await fetch(`${url}/typed/a?q=z`)).json()).toEqual({ id: 'a', q: 'z' });
    // A parameter the route does not declare is a typo to report, not to ignore.
    r = await fetch(`${url}/typed/a?q=z&qq=1`);
    expect(r.status).toBe(400);
    expect((await r.json()).error).toMatchObject({ code: 'unknown_parameter', message: expect.stringContaining('"qq"') });
  });
});
