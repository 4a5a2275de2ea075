import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { picture } from '../services/pictures';
import { call, multipart } from './client';

/*
 * Cross-port CSRF (issue 12, item 8): SameSite=Strict cookies go to every port of the same
 * host, so a page served by any other local port carries Loupe's session cookie. A
 * cookie-authenticated request that changes state must come from Loupe's own origin.
 */

let dir: string;
let app: LoupeApp;
let base: string;
let token: string;
let cookie: string;
let other: Server;
let otherOrigin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-xorigin-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {} });
  base = (await app.listen({ port: 0 })).url;
  token = app.token;
  cookie = String((await call(base, 'POST', '/v1/session', { token })).headers['set-cookie']).split(';')[0];
  // A real second local server, so "another port" is a port something actually listens on.
  other = createServer((_req, res) => res.end('other'));
  await new Promise<void>((ok) => other.listen(0, '127.0.0.1', ok));
  const addr = other.address();
  otherOrigin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  await new Promise((ok) => other.close(ok));
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const json = (_: unknown): Record<string, string> => ({ 'content-type': 'application/json' });
const own = () => base;

async function dataset(name: string): Promise<string> {
  const made = await call(base, 'POST', '/v1/datasets', { token, headers: json(null), body: JSON.stringify({ name }) });
  return made.json.id as string;
}

async function imageCount(id: string): Promise<number> {
  return (await call(base, 'GET', `/v1/datasets/${id}/images`, { token })).json.items.length as number;
}

async function laterTask(): Promise<string> {
  const runAt = new Date(Date.now() + 3_600_000).toISOString();
  const t = await call(base, 'POST', '/v1/tasks', { token, headers: json(null), body: JSON.stringify({ kind: 'script', input: { source: '1' }, runAt }) });
  return t.json.id as string;
}

const taskState = async (id: string) => (await call(base, 'GET', `/v1/tasks/${id}`, { token })).json.state as string;

function expectRefused(r: { status: number; json: any }): void {
  expect(r.status).toBe(403);
  expect(r.json.error.code).toBe('cross_origin');
  expect(r.json.error.message).toMatch(/another origin/);
}

describe('a page on another local port, carrying the session cookie', () => {
  const from = () => ({ cookie, origin: otherOrigin, 'sec-fetch-site': 'same-site' });

  it('cannot upload pictures; the same upload from Loupe’s own origin goes through', async () => {
    const id = await dataset('Uploads');
    const up = multipart([{ name: 'a.png', bytes: await picture(41) }]);
    const refused = await call(base, 'POST', `/v1/datasets/${id}/images`, { headers: { ...from(), 'content-type': up.contentType }, body: up.body });
    expectRefused(refused);
    expect(await imageCount(id)).toBe(0);
    const fine = await call(base, 'POST', `/v1/datasets/${id}/images`, {
      headers: { cookie, origin: own(), 'sec-fetch-site': 'same-origin', 'content-type': up.contentType },
      body: up.body,
    });
    expect(fine.status).toBe(201);
    expect(await imageCount(id)).toBe(1);
  });

  it('cannot start training, retry or cancel tasks, create, relabel or delete', async () => {
    const id = await dataset('Train');
    expectRefused(await call(base, 'POST', `/v1/datasets/${id}/train`, { headers: { ...from(), ...json(null) }, body: '{}' }));
    expect((await call(base, 'GET', `/v1/datasets/${id}/runs`, { token })).json.items).toEqual([]);

    const task = await laterTask();
    expectRefused(await call(base, 'POST', `/v1/tasks/${task}/cancel`, { headers: from() }));
    expect(await taskState(task)).toBe('queued');
    // From Loupe's own page the cancel works, and a retry from the other port is refused.
    const cancelled = await call(base, 'POST', `/v1/tasks/${task}/cancel`, { headers: { cookie, origin: own() } });
    expect([cancelled.status, cancelled.json.state]).toEqual([200, 'cancelled']);
    expectRefused(await call(base, 'POST', `/v1/tasks/${task}/retry`, { headers: from() }));
    expect(await taskState(task)).toBe('cancelled');
    const retried = await call(base, 'POST', `/v1/tasks/${task}/retry`, { headers: { cookie, 'sec-fetch-site': 'same-origin' } });
    expect(retried.status).toBe(200);
    expect(await taskState(task)).not.toBe('cancelled');

    expectRefused(await call(base, 'POST', '/v1/datasets', { headers: { ...from(), ...json(null) }, body: JSON.stringify({ name: 'Evil' }) }));
    expectRefused(await call(base, 'PATCH', `/v1/datasets/${id}`, { headers: { ...from(), ...json(null) }, body: JSON.stringify({ name: 'Renamed' }) }));
    expectRefused(await call(base, 'PUT', `/v1/datasets/${id}/train-prefs`, { headers: { ...from(), ...json(null) }, body: '{}' }));
    expectRefused(await call(base, 'DELETE', `/v1/datasets/${id}`, { headers: from() }));
    expectRefused(await call(base, 'POST', '/v1/scripts/run', { headers: { ...from(), ...json(null) }, body: JSON.stringify({ source: '1' }) }));
    expect((await call(base, 'GET', `/v1/datasets/${id}`, { token })).json.name).toBe('Train');
  });

  it('is refused on every kind of evidence that it is not Loupe’s own page', async () => {
    const task = await laterTask();
    const attempts: Array<Record<string, string>> = [
      { origin: otherOrigin }, // Origin alone: another port
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' }, // another port of 127.0.0.1 is same-site, not same-origin
      { 'sec-fetch-site': 'none' },
      {}, // neither Origin nor Sec-Fetch-Site: nothing vouches for it
      { origin: 'null' }, // sandboxed frames, data: URLs
      { origin: own(), 'sec-fetch-site': 'same-site' }, // the signals disagree
      { origin: otherOrigin, 'sec-fetch-site': 'same-origin' },
      { origin: base.replace('127.0.0.1', 'localhost') }, // another host name is another origin
      { origin: base.replace('http:', 'https:') },
      { origin: 'not a url' },
    ];
    for (const headers of attempts) {
      const r = await call(base, 'POST', `/v1/tasks/${task}/cancel`, { headers: { cookie, ...headers } });
      expect({ headers, status: r.status, code: r.json?.error?.code }).toEqual({ headers, status: 403, code: 'cross_origin' });
    }
    expect(await taskState(task)).toBe('queued');
  });

  it('may still read: safe methods with the cookie are not refused', async () => {
    const r = await call(base, 'GET', '/v1/datasets', { headers: from() });
    expect(r.status).toBe(200);
  });

  it('cannot open the /ipc WebSocket with the cookie; Loupe’s own page can', async () => {
    const open = (headers: Record<string, string>, query = '') =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(base.replace('http', 'ws') + '/ipc' + query, { headers });
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', reject);
      });
    expect(await open({ cookie, origin: otherOrigin })).toBe(403);
    expect(await open({ cookie })).toBe(403);
    expect(await open({ cookie, origin: own() })).toBe(101);
    // A tool (no Origin) with the token in the query is the token's request, cookie or not.
    expect(await open({}, `?token=${token}`)).toBe(101);
    expect(await open({ cookie }, `?token=${token}`)).toBe(101);
  });
});

describe('requests that present the token', () => {
  it('are unaffected by where they come from', async () => {
    const task = await laterTask();
    const r = await call(base, 'POST', `/v1/tasks/${task}/cancel`, { token, headers: { origin: otherOrigin, 'sec-fetch-site': 'cross-site' } });
    expect([r.status, r.json.state]).toEqual([200, 'cancelled']);
    const made = await call(base, 'POST', '/v1/datasets', { token, headers: json(null), body: JSON.stringify({ name: 'Tool' }) });
    expect(made.status).toBe(201);
  });

  it('a wrong token is not rescued by a valid cookie', async () => {
    const r = await call(base, 'POST', '/v1/datasets', { token: 'wrong', headers: { cookie, origin: own(), ...json(null) }, body: '{"name":"x"}' });
    expect(r.status).toBe(401);
  });
});
