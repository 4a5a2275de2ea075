import { afterEach, describe, expect, it } from 'vitest';
import { sameOriginOnly } from '../../src/main/http';
import { call } from '../api/client';
import { lifecycle } from './helpers';

/*
 * The framework's same-origin rule on a real server: a state-changing request passes only
 * when the browser says it comes from this very origin (scheme, host and port).
 */
const apps = lifecycle();
afterEach(() => apps.closeAll());

async function server(applies?: (path: string) => boolean) {
  return apps.up((app) => {
    app.use(sameOriginOnly(applies ? { applies: (ctx) => applies(ctx.path) } : {}));
    app.post('/act', () => ({ done: true }));
    app.delete('/act', () => ({ done: true }));
    app.get('/read', () => ({ read: true }));
    app.post('/open', () => ({ done: true }));
  });
}

describe('sameOriginOnly', () => {
  it('lets Loupe’s own origin act, by Origin or by Sec-Fetch-Site, under any loopback spelling the request used', async () => {
    const { url, port } = await server();
    expect((await call(url, 'POST', '/act', { headers: { origin: url } })).status).toBe(200);
    expect((await call(url, 'DELETE', '/act', { headers: { 'sec-fetch-site': 'same-origin' } })).status).toBe(200);
    expect((await call(url, 'POST', '/act', { headers: { origin: url, 'sec-fetch-site': 'same-origin' } })).status).toBe(200);
    const local = { host: `localhost:${port}`, origin: `http://localhost:${port}` };
    expect((await call(url, 'POST', '/act', { headers: local })).status).toBe(200);
    expect((await call(url, 'POST', '/act', { headers: { host: `LOCALHOST:${port}`, origin: `http://localhost:${port}` } })).status).toBe(200);
  });

  it('refuses other ports, hosts and schemes, disagreeing signals, and silence, with 403 cross_origin', async () => {
    const { url, port } = await server();
    const refused: Array<Record<string, string>> = [
      { origin: `http://127.0.0.1:${port + 1}` },
      { origin: `http://localhost:${port}` }, // the request went to 127.0.0.1
      { origin: `https://127.0.0.1:${port}` },
      { origin: 'null' },
      { origin: `${url}.evil.example` },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'none' },
      { origin: url, 'sec-fetch-site': 'cross-site' },
      {},
      { host: `127.0.0.1:${port}/x@evil.example`, origin: 'http://evil.example' },
    ];
    for (const headers of refused) {
      const r = await call(url, 'POST', '/act', { headers });
      expect({ headers, status: r.status, code: r.json?.error?.code }).toEqual({ headers, status: 403, code: 'cross_origin' });
    }
  });

  it('never stands in the way of reads, or of requests the rule does not cover', async () => {
    const { url } = await server((path) => path !== '/open');
    expect((await call(url, 'GET', '/read', { headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
    expect((await call(url, 'POST', '/open', { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
    expect((await call(url, 'POST', '/act', { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
  });
});
