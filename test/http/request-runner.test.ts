import { afterEach, describe, expect, it } from 'vitest';
import { HttpError } from '../../src/main/http';
import { findForbiddenKey, parseJsonSafe } from '../../src/main/http/body';
import { jsonOf, lifecycle } from './helpers';

const apps = lifecycle();
afterEach(() => apps.closeAll());

describe('handler outcomes: sync and async take the same way out', () => {
  it('sends a plain returned value synchronously, with status and headers set by the handler', async () => {
    const { url } = await apps.up((app) => {
      app.get('/value', () => ({ ok: 1 }));
      app.get('/created', (ctx) => {
        ctx.status(201).header('x-made', 'yes');
        return { id: 'a' };
      });
      app.get('/nothing', () => undefined);
      app.get('/null', () => null);
      app.get('/self', (ctx) => {
        ctx.sendText('mine');
        return { ignored: true };
      });
      app.get('/async', async () => ({ ok: 2 }));
    });
    let r = await fetch(`${url}/value`);
    expect([r.status, await r.json()]).toEqual([200, { ok: 1 }]);
    r = await fetch(`${url}/created`);
    expect([r.status, r.headers.get('x-made'), await r.json()]).toEqual([201, 'yes', { id: 'a' }]);
    r = await fetch(`${url}/nothing`);
    expect([r.status, await r.text()]).toEqual([204, '']);
    r = await fetch(`${url}/null`);
    expect([r.status, await r.text()]).toEqual([200, 'null']);
    r = await fetch(`${url}/self`);
    expect([r.status, await r.text()]).toEqual([200, 'mine']);
    r = await fetch(`${url}/async`);
    expect([r.status, await r.json()]).toEqual([200, { ok: 2 }]);
  });

  it('answers a sync throw exactly like an async rejection, with and without middleware', async () => {
    const logged: string[] = [];
    const { url } = await apps.up(
      (app) => {
        app.get('/sync-http', () => {
          throw new HttpError(409, 'conflict', 'Taken.');
        });
        app.get('/async-http', async () => {
          throw new HttpError(409, 'conflict', 'Taken.');
        });
        app.get('/sync-boom', () => {
          throw new Error('secret detail');
        });
        app.get('/async-boom', async () => {
          throw new Error('secret detail');
        });
        app.group('/mw', (g) => {
          g.use((_ctx, next) => next());
          g.get('/sync-boom', () => {
            throw new Error('secret detail');
          });
        });
      },
      { onError: (_err, info) => void logged.push(info.path) },
    );
    const answers = [];
    for (const p of ['/sync-http', '/async-http']) {
      const r = await fetch(url + p);
      answers.push([r.status, await r.text()]);
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0][0]).toBe(409);
    for (const p of ['/sync-boom', '/async-boom', '/mw/sync-boom']) {
      const r = await fetch(url + p);
      expect(r.status).toBe(500);
      const body = await jsonOf(r);
      expect(body).toEqual({ error: { code: 'internal', message: 'Internal error.' } });
    }
    expect(logged).toEqual(['/sync-boom', '/async-boom', '/mw/sync-boom']);
  });

  it('turns a returned value JSON cannot encode into a 500, sync or async, and keeps serving', async () => {
    const logged: unknown[] = [];
    const { url } = await apps.up(
      (app) => {
        app.get('/bigint', () => ({ n: 1n }));
        app.get('/cycle', async () => {
          const o: Record<string, unknown> = {};
          o.self = o;
          return o;
        });
        app.get('/ok', () => ({ ok: true }));
      },
      { onError: (err) => void logged.push(err) },
    );
    for (const p of ['/bigint', '/cycle']) {
      const r = await fetch(url + p);
      expect(r.status).toBe(500);
      expect((await jsonOf(r)).error.code).toBe('internal');
    }
    expect(logged).toHaveLength(2);
    expect((await fetch(`${url}/ok`)).status).toBe(200);
  });

  it('times out only async handlers, and a sync answer leaves nothing pending', async () => {
    const { url } = await apps.up(
      (app) => {
        app.get('/slow', () => new Promise((r) => setTimeout(() => r({ late: true }), 500)));
        app.get('/fast', () => ({ fast: true }));
      },
      { handlerTimeoutMs: 80 },
    );
    const r = await fetch(`${url}/slow`);
    expect(r.status).toBe(503);
    expect((await jsonOf(r)).error.code).toBe('timeout');
    const results = await Promise.all(Array.from({ length: 20 }, () => fetch(`${url}/fast`).then((x) => x.status)));
    expect(new Set(results)).toEqual(new Set([200]));
  });
});

describe('JSON body reads', () => {
  it('keeps the bytes of a parsed body for text() and raw(), and parses again on a second json()', async () => {
    const { url } = await apps.up((app) => {
      app.post('/both', async (ctx) => {
        const a = await ctx.json();
        const b = await ctx.json();
        const text = await ctx.text();
        const raw = await ctx.raw();
        return { a, same: a !== b && JSON.stringify(a) === JSON.stringify(b), text, len: raw.length };
      });
      app.post('/raw-first', async (ctx) => {
        const text = await ctx.text();
        return { text, parsed: await ctx.json() };
      });
    });
    const body = '{"x":[1,2,{"y":"z"}]}';
    const init = { method: 'POST', body, headers: { 'content-type': 'application/json' } };
    expect(await (await fetch(`${url}/both`, init)).json()).toEqual({ a: { x: [1, 2, { y: 'z' }] }, same: true, text: body, len: body.length });
    expect(await (await fetch(`${url}/raw-first`, init)).json()).toEqual({ text: body, parsed: { x: [1, 2, { y: 'z' }] } });
  });

  it('finds forbidden keys however deep or escaped, without following inherited keys', () => {
    expect(findForbiddenKey(JSON.parse('[1,[2,[{"a":{"prototype":1}}]]]'))).toBe('prototype');
    expect(findForbiddenKey(JSON.parse('{"\\u0063onstructor":{}}'))).toBe('constructor');
    expect(findForbiddenKey(JSON.parse('{"a":"__proto__","proto":1,"constructors":2}'))).toBeNull();
    let deep = '1';
    for (let i = 0; i < 100_000; i++) deep = `[${deep}]`;
    expect(parseJsonSafe(deep)).toBeInstanceOf(Array);
    expect(() => parseJsonSafe(`${deep.slice(0, -1)},{"__proto__":1}]`)).toThrow(/__proto__/);
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = { nested: true };
    try {
      expect(findForbiddenKey({ a: { b: 1 } })).toBeNull();
    } finally {
      delete proto.polluted;
    }
  });
});
