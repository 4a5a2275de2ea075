import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { call } from './client';

/* `loupe serve`'s page: its CSP lets it open a WebSocket to its own port, no other. */

let dir: string;
let app: LoupeApp;
let base: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-csp-'));
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Loupe</title>');
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', rendererDir: join(dir, 'renderer'), log: () => {} });
  base = (await app.listen({ port: 0 })).url;
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

it('names the server’s own host and port as the only WebSocket source', async () => {
  const port = new URL(base).port;
  const page = await call(base, 'GET', '/');
  expect(page.status).toBe(200);
  const csp = String(page.headers['content-security-policy']);
  expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${port};`);
  expect(csp).not.toMatch(/:\*/);
  expect(csp).toContain("frame-ancestors 'none'");
  // Opened as localhost, the page's socket is localhost's.
  const local = await call(base, 'GET', '/library', { headers: { host: `localhost:${port}` } });
  expect(String(local.headers['content-security-policy'])).toContain(`connect-src 'self' ws://localhost:${port};`);
  // API answers are JSON, not pages: no page policy on them.
  expect((await call(base, 'GET', '/v1/health')).headers['content-security-policy']).toBeUndefined();
});
