import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from '../../src/main/http';
import { lifecycle, rawRequest } from './helpers';

const L = lifecycle();
afterEach(() => L.closeAll());

let dir: string;
let root: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-static-'));
  root = join(dir, 'public');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(root, 'assets', 'app.abc123.js'), 'console.log(1)');
  writeFileSync(join(root, 'data.txt'), '0123456789');
  writeFileSync(join(root, '.env'), 'SECRET=1');
  writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serveStatic', () => {
  it('serves files with validators, ranges and 304s', async () => {
    const { url } = await L.up((app) => {
      app.get('/api/x', () => ({ api: true }));
      app.notFound(serveStatic(root, { spa: true, immutable: /\.[0-9a-f]{6}\./ }));
    });
    let r = await fetch(`${url}/data.txt`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('0123456789');
    expect(r.headers.get('content-type')).toMatch(/text\/plain/);
    const etag = r.headers.get('etag') as string;
    expect(etag).toMatch(/^W\/"/);
    expect(r.headers.get('last-modified')).toBeTruthy();
    r = await fetch(`${url}/data.txt`, { headers: { 'if-none-match': etag } });
    expect(r.status).toBe(304);
    r = await fetch(`${url}/data.txt`, { headers: { range: 'bytes=2-4' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(await r.text()).toBe('234');
    r = await fetch(`${url}/data.txt`, { headers: { range: 'bytes=-3' } });
    expect(await r.text()).toBe('789');
    r = await fetch(`${url}/data.txt`, { headers: { range: 'bytes=50-60' } });
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toBe('bytes */10');
    r = await fetch(`${url}/data.txt`, { method: 'HEAD' });
    expect(r.headers.get('content-length')).toBe('10');
    r = await fetch(`${url}/assets/app.abc123.js`);
    expect(r.headers.get('cache-control')).toMatch(/immutable/);
    expect(await (await fetch(`${url}/`)).text()).toBe('<h1>home</h1>');
    expect(await (await fetch(`${url}/some/client/route`)).text()).toBe('<h1>home</h1>');
    expect(await (await fetch(`${url}/api/x`)).json()).toEqual({ api: true });
    r = await fetch(`${url}/missing.png`);
    expect(r.status).toBe(404);
    expect((await r.json()).error.code).toBe('not_found');
  });

  it('never leaves the root: dot-dot in every spelling, absolute paths, NUL, dotfiles, symlinks', async () => {
    const { port } = await L.up((app) => {
      app.use(serveStatic(root, { prefix: '/static' }));
    });
    const attempts = [
      '/static/../secret.txt',
      '/static/..%2fsecret.txt',
      '/static/%2e%2e/secret.txt',
      '/static/%2e%2e%2fsecret.txt',
      '/static/%252e%252e/secret.txt',
      '/static/%252e%252e%252fsecret.txt',
      '/static/..%5csecret.txt',
      '/static/..\\secret.txt',
      `/static/${encodeURIComponent(join(dir, 'secret.txt'))}`,
      `/static/${join(dir, 'secret.txt')}`,
      '/static//etc/passwd',
      '/static/data.txt%00.png',
      '/static/data.txt%00',
      '/static/.env',
      '/static/%2eenv',
      '/static/link.txt',
      '/static/assets/../../secret.txt',
      '/static/assets/%2e%2e/%2e%2e/secret.txt',
      '/static/%c0%ae%c0%ae/secret.txt',
    ];
    for (const path of attempts) {
      const raw = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      expect(raw, path).toMatch(/^HTTP\/1\.1 4\d\d/);
      expect(raw, path).not.toContain('TOP SECRET');
      expect(raw, path).not.toContain('SECRET=1');
      expect(raw, path).not.toContain('root:');
    }
    const ok = await rawRequest(port, 'GET /static/data.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(ok).toMatch(/^HTTP\/1\.1 200/);
  });
});

describe('sendFile', () => {
  it('sends a download with Content-Disposition and confines to a root', async () => {
    const { url } = await L.up((app) => {
      app.get('/download/:name', (ctx) => ctx.sendFile(ctx.params.name, { root, download: `export-${ctx.params.name}` }));
    });
    const r = await fetch(`${url}/download/data.txt`);
    expect(r.headers.get('content-disposition')).toContain('attachment; filename="export-data.txt"');
    expect(await r.text()).toBe('0123456789');
    const bad = await fetch(`${url}/download/..%2Fsecret.txt`);
    expect(bad.status).toBe(404);
  });
});

describe('ctx.sendBytes', () => {
  it('answers bytes held in memory with their validator, and 304 to a matching If-None-Match, weak or in a list', async () => {
    const { url } = await L.up((app) => {
      app.get('/thumb', (ctx) => ctx.sendBytes(Buffer.from('webp bytes'), { etag: '"abc"', contentType: 'image/webp', maxAge: 60, immutable: true }));
    });
    let r = await fetch(`${url}/thumb`);
    expect([r.status, await r.text(), r.headers.get('content-type'), r.headers.get('etag')]).toEqual([200, 'webp bytes', 'image/webp', '"abc"']);
    expect(r.headers.get('cache-control')).toBe('public, max-age=60, immutable');
    for (const inm of ['"abc"', 'W/"abc"', '"zzz", W/"abc"', '*']) {
      r = await fetch(`${url}/thumb`, { headers: { 'if-none-match': inm } });
      expect([inm, r.status, await r.text()]).toEqual([inm, 304, '']);
    }
    r = await fetch(`${url}/thumb`, { headers: { 'if-none-match': '"abd"' } });
    expect(r.status).toBe(200);
    r = await fetch(`${url}/thumb`, { method: 'HEAD' });
    expect([r.status, r.headers.get('etag')]).toEqual([200, '"abc"']);
  });
});
