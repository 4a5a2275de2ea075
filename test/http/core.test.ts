import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { App, HttpError, key } from '../../src/main/http';
import { jsonOf, rawRequest, start } from './helpers';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

async function up(build: (app: App) => void, opts = {}) {
  const s = await start(build, opts);
  closers.push(s.close);
  return s;
}

describe('routing and responses', () => {
  it('sends returned values as JSON and params are decoded', async () => {
    const { url } = await up((app) => {
      app.get('/hello', () => ({ hello: 'world' }));
      app.get('/users/:id', (ctx) => ({ id: ctx.params.id }));
      app.get('/files/*path', (ctx) => ({ path: ctx.params.path }));
      app.get('/n/:num(\\d+)', (ctx) => ({ num: Number(ctx.params.num) }));
      app.get('/n/new', () => 'static wins');
    });
    let r = await fetch(`${url}/hello`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(await r.json()).toEqual({ hello: 'world' });
    expect(await (await fetch(`${url}/users/a%20b`)).json()).toEqual({ id: 'a b' });
    expect(await (await fetch(`${url}/users/a%2Fb`)).json()).toEqual({ id: 'a/b' });
    expect(await (await fetch(`${url}/files/x/y/z.txt`)).json()).toEqual({ path: 'x/y/z.txt' });
    expect(await (await fetch(`${url}/n/42`)).json()).toEqual({ num: 42 });
    expect(await (await fetch(`${url}/n/new`)).json()).toBe('static wins');
    r = await fetch(`${url}/n/abc`);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('answers 405 with Allow, HEAD and OPTIONS automatically', async () => {
    const { url } = await up((app) => {
      app.get('/thing', () => ({ ok: true }));
      app.post('/thing', () => ({ made: true }));
    });
    const r = await fetch(`${url}/thing`, { method: 'DELETE' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toContain('GET');
    expect(r.headers.get('allow')).toContain('POST');
    expect((await r.json()).error.code).toBe('method_not_allowed');
    const h = await fetch(`${url}/thing`, { method: 'HEAD' });
    expect(h.status).toBe(200);
    expect(h.headers.get('content-length')).toBe(String(JSON.stringify({ ok: true }).length));
    expect(await h.text()).toBe('');
    const o = await fetch(`${url}/thing`, { method: 'OPTIONS' });
    expect(o.status).toBe(204);
    expect(o.headers.get('allow')).toMatch(/GET.*POST|POST.*GET/);
  });

  it('renders HttpError and hides unknown errors', async () => {
    const { url } = await up((app) => {
      app.get('/teapot', () => {
        throw new HttpError(409, 'conflict', 'Already there.', { headers: { 'Retry-After': '3' } });
      });
      app.get('/boom', () => {
        throw new Error('secret internals at /home/me/file.ts:12');
      });
      app.get('/async-boom', async () => {
        await new Promise((r) => setTimeout(r, 1));
        throw new TypeError('x is undefined');
      });
    });
    let r = await fetch(`${url}/teapot`);
    expect(r.status).toBe(409);
    expect(r.headers.get('retry-after')).toBe('3');
    expect(await r.json()).toEqual({ error: { code: 'conflict', message: 'Already there.' } });
    for (const p of ['/boom', '/async-boom']) {
      r = await fetch(url + p);
      expect(r.status).toBe(500);
      const text = await r.text();
      expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'Internal error.' } });
      expect(text).not.toMatch(/secret|undefined|\.ts/);
    }
  });

  it('runs middleware in onion order, groups and mounted blueprints have their own', async () => {
    const { url } = await up((app) => {
      app.use(async (ctx, next) => {
        ctx.state.trail = ['app'];
        await next();
      });
      app.group('/v1', (g) => {
        g.use((ctx, next) => {
          (ctx.state.trail as string[]).push('group');
          return next();
        });
        g.get('/trail', (ctx) => ctx.state.trail);
      });
      const sub = new App();
      sub.use((ctx, next) => {
        (ctx.state.trail as string[]).push('sub');
        return next();
      });
      sub.get('/trail', (ctx) => ctx.state.trail);
      app.mount('/sub', sub);
      app.get('/trail', (ctx) => ctx.state.trail);
    });
    expect(await (await fetch(`${url}/v1/trail`)).json()).toEqual(['app', 'group']);
    expect(await (await fetch(`${url}/sub/trail`)).json()).toEqual(['app', 'sub']);
    expect(await (await fetch(`${url}/trail`)).json()).toEqual(['app']);
  });

  it('provides typed services and exposes query, cookies, ip', async () => {
    const DB = key<{ name: string }>('db');
    const { url } = await up((app) => {
      app.provide(DB, { name: 'memory' });
      app.get('/ctx', (ctx) => ({
        db: ctx.get(DB).name,
        q: ctx.query.getAll('q'),
        cookie: ctx.cookies.theme,
        ip: ctx.ip,
        id: typeof ctx.requestId,
      }));
    });
    const r = await fetch(`${url}/ctx?q=1&q=2`, { headers: { cookie: 'theme=dark; other=x' } });
    expect(await r.json()).toEqual({ db: 'memory', q: ['1', '2'], cookie: 'dark', ip: '127.0.0.1', id: 'string' });
  });

  it('answers 204 when a handler returns nothing, and supports status/header/redirect/text/html', async () => {
    const { url } = await up((app) => {
      app.delete('/x', () => undefined);
      app.post('/made', (ctx) => {
        ctx.status(201).header('x-thing', 'yes');
        return { id: '1' };
      });
      app.get('/go', (ctx) => ctx.redirect('/hello'));
      app.get('/t', (ctx) => ctx.sendText('plain'));
      app.get('/h', (ctx) => ctx.sendHtml('<b>x</b>'));
    });
    expect((await fetch(`${url}/x`, { method: 'DELETE' })).status).toBe(204);
    const m = await fetch(`${url}/made`, { method: 'POST' });
    expect(m.status).toBe(201);
    expect(m.headers.get('x-thing')).toBe('yes');
    const g = await fetch(`${url}/go`, { redirect: 'manual' });
    expect(g.status).toBe(302);
    expect(g.headers.get('location')).toBe('/hello');
    expect(await (await fetch(`${url}/t`)).text()).toBe('plain');
    expect((await fetch(`${url}/h`)).headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe('JSON bodies', () => {
  const schema = z.object({ name: z.string().min(1) });
  const build = (app: App) => {
    app.post('/echo', async (ctx) => ctx.json());
    app.post('/named', { schema: { body: schema } }, (ctx) => ({ hi: ctx.valid.body.name }));
    app.post('/opt', async (ctx) => ({ got: (await ctx.json(schema.optional())) ?? null }));
  };
  it('parses, limits and guards JSON', async () => {
    const { url } = await up(build, { bodyLimit: 1024 });
    const post = (path: string, body: string, type = 'application/json') => fetch(url + path, { method: 'POST', body, headers: { 'content-type': type } });
    expect(await (await post('/echo', '{"a":[1,2]}')).json()).toEqual({ a: [1, 2] });
    let r = await post('/echo', '{"a":');
    expect(r.status).toBe(400);
    expect((await r.json()).error.code).toBe('bad_request');
    r = await post('/echo', '{"a":1}', 'text/plain');
    expect(r.status).toBe(415);
    r = await post('/echo', JSON.stringify({ big: 'x'.repeat(2000) }));
    expect(r.status).toBe(413);
    for (const bad of ['{"__proto__":{"x":1}}', '{"a":{"constructor":{"prototype":1}}}', '{"\\u005f_proto__":1}']) {
      r = await post('/echo', bad);
      expect(r.status).toBe(400);
      expect((await r.json()).error.code).toBe('forbidden_key');
    }
    r = await post('/named', '{"name":""}');
    expect(r.status).toBe(422);
    const e = await jsonOf(r);
    expect(e.error.code).toBe('validation');
    expect(e.error.details.issues[0].path).toBe('name');
    expect(await (await post('/named', '{"name":"ada"}')).json()).toEqual({ hi: 'ada' });
    r = await fetch(`${url}/echo`, { method: 'POST' });
    expect(r.status).toBe(400);
    expect((await r.json()).error.code).toBe('empty_body');
    expect(await (await fetch(`${url}/opt`, { method: 'POST' })).json()).toEqual({ got: null });
  });

  it('lets fetch read the 413 of a body a few MB over the limit; a body past 16 MiB is cut off', async () => {
    // fetch sends the whole body before it reads; closing at once after the answer reset it.
    const { url, port } = await up(build, { bodyLimit: 1024 });
    const r = await fetch(`${url}/echo`, {
      method: 'POST',
      body: JSON.stringify({ big: 'x'.repeat(3_000_000) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(413);
    expect((await r.json()).error).toEqual({ code: 'payload_too_large', message: 'Body is larger than the limit of 1024 bytes.' });
    expect(r.headers.get('connection')).not.toBe('close');
    // Not worth reading 20 MB to say no: the answer comes at once and the connection closes.
    const head = await rawRequest(port, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20000000\r\n\r\n{"a":');
    expect(head).toMatch(/^HTTP\/1\.1 413/);
    expect(head.toLowerCase()).toContain('connection: close');
  });

  it('enforces the limit on chunked bodies while streaming', async () => {
    const { port } = await up(build, { bodyLimit: 1024 });
    const sock = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    sock.on('data', (d) => (answer += d.toString()));
    sock.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      sock.once('close', () => resolve());
      sock.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = `1000\r\n${'x'.repeat(0x1000)}\r\n`;
      const pump = () => {
        while (!sock.destroyed && sent < 50_000_000 && !answer) {
          sent += 0x1000;
          if (!sock.write(chunk)) return void sock.once('drain', pump);
        }
        if (answer || sent >= 50_000_000) sock.end();
      };
      pump();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('payload_too_large');
    expect(sent).toBeLessThan(50_000_000);
  });
});

describe('paths', () => {
  it('redirects to the registered trailing-slash form, but never to another host', async () => {
    const { url, port } = await up((app) => {
      app.get('/docs/', () => ({ docs: true }));
      app.get('/evil.example/', () => ({ x: 1 }));
    });
    const r = await fetch(`${url}/docs?x=1`, { redirect: 'manual' });
    expect(r.status).toBe(308);
    expect(r.headers.get('location')).toBe('/docs/?x=1');
    const { rawRequest } = await import('./helpers');
    const raw = await rawRequest(port, 'GET //evil.example HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 404/);
    expect(raw.toLowerCase()).not.toContain('location:');
    const bad = await rawRequest(port, 'GET /docs/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(bad).toMatch(/^HTTP\/1\.1 400/);
  });

  it('reads text, raw and urlencoded bodies with limits', async () => {
    const { url } = await up((app) => {
      app.post('/text', async (ctx) => ({ text: await ctx.text() }));
      app.post('/raw', { bodyLimit: 8 }, async (ctx) => ({ n: (await ctx.raw()).length }));
      app.post('/form', async (ctx) => ctx.form());
    });
    expect(await (await fetch(`${url}/text`, { method: 'POST', body: 'héllo' })).json()).toEqual({ text: 'héllo' });
    expect(await (await fetch(`${url}/raw`, { method: 'POST', body: '12345678' })).json()).toEqual({ n: 8 });
    expect((await fetch(`${url}/raw`, { method: 'POST', body: '123456789' })).status).toBe(413);
    const f = await fetch(`${url}/form`, { method: 'POST', body: new URLSearchParams({ a: '1', b: 'x y' }) });
    expect(await f.json()).toEqual({ a: '1', b: 'x y' });
    const p = await fetch(`${url}/form`, { method: 'POST', body: '__proto__=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(p.status).toBe(400);
  });
});
