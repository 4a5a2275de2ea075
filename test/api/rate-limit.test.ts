import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { picture } from '../services/pictures';
import { call, multipart } from './client';

/* 429 with Retry-After on the local API, over real HTTP: per token, per anonymous IP, never the UI. */

let dir: string;

async function open(name: string, rateLimit?: Parameters<typeof createApp>[0]['rateLimit']): Promise<{ app: LoupeApp; base: string }> {
  const app = await createApp({ dataDir: join(dir, name), shell: 'headless', log: () => {}, rateLimit });
  return { app, base: (await app.listen({ port: 0 })).url };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-ratelimit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rate limits on the local API', () => {
  it('answers 429 with Retry-After once the token’s bucket is empty; the UI’s session is never limited', async () => {
    const { app, base } = await open('small', { token: { limit: 5, windowMs: 600_000 }, anonymous: { limit: 3, windowMs: 600_000 } });
    try {
      const session = await call(base, 'POST', '/v1/session', { token: app.token });
      expect(session.status).toBe(204);
      const cookie = String(session.headers['set-cookie']).split(';')[0];

      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await call(base, 'GET', '/v1/datasets', { token: app.token }));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
      expect(answers[3].headers['ratelimit-limit']).toBe('5');
      expect(answers[3].headers['ratelimit-remaining']).toBe('0');

      const refused = await call(base, 'GET', '/v1/datasets', { token: app.token });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refused.json).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/retry in \d+ s/) } });

      // The browser UI signs in with its cookie: it goes on while the token waits.
      for (let i = 0; i < 20; i++) expect((await call(base, 'GET', '/v1/datasets', { headers: { cookie } })).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('holds token guessing per IP: wrong tokens get 401 and then 429, the right token still works', async () => {
    const { app, base } = await open('guess', { token: { limit: 100, windowMs: 600_000 }, anonymous: { limit: 3, windowMs: 600_000 } });
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await call(base, 'GET', '/v1/datasets', { token: `guess-${i}` })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect((await call(base, 'GET', '/v1/health')).status).toBe(429);
      expect((await call(base, 'GET', '/v1/datasets', { token: app.token })).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('counts an upload once however many pictures it carries', async () => {
    const { app, base } = await open('uploads', { token: { limit: 10, windowMs: 600_000 } });
    try {
      const ds = await call(base, 'POST', '/v1/datasets', {
        token: app.token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'u' }),
      });
      expect(ds.headers['ratelimit-remaining']).toBe('9');
      const files = await Promise.all([1, 2, 3, 4, 5, 6].map(async (i) => ({ name: `p${i}.png`, bytes: await picture(i * 40) })));
      const form = multipart(files);
      const up = await call(base, 'POST', `/v1/datasets/${ds.json.id}/images`, {
        token: app.token,
        headers: { 'content-type': form.contentType },
        body: form.body,
      });
      expect(up.status).toBe(201);
      expect(up.headers['ratelimit-remaining']).toBe('8');
    } finally {
      await app.close();
    }
  });

  it('lets a busy script through with the defaults, and can be switched off', async () => {
    const { app, base } = await open('defaults');
    try {
      const statuses = new Set<number>();
      for (let i = 0; i < 300; i++) statuses.add((await call(base, 'GET', '/v1/datasets', { token: app.token })).status);
      expect([...statuses]).toEqual([200]);
    } finally {
      await app.close();
    }
    const off = await open('off', { token: false, anonymous: false });
    try {
      const r = await call(off.base, 'GET', '/v1/datasets', { token: off.app.token });
      expect(r.status).toBe(200);
      expect(r.headers['ratelimit-limit']).toBeUndefined();
    } finally {
      await off.app.close();
    }
  });
});
