import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { picture, truncatedJpeg, writePictures } from '../services/pictures';
import { call, multipart } from './client';

let dir: string;
let app: LoupeApp;
let base: string;
let token: string;

async function start() {
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', version: '9.8.7', log: () => {} });
  base = (await app.listen({ port: 0 })).url;
  token = app.token;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-api-'));
  await start();
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const json = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });

function openSocket(path: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace('http', 'ws') + path, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

describe('security', () => {
  it('answers health without a token and everything else with 401 JSON', async () => {
    const health = await call(base, 'GET', '/v1/health');
    expect(health.status).toBe(200);
    expect(health.json).toEqual({
      status: 'ok',
      version: '9.8.7',
      backbone: 'ready',
      backboneId: expect.any(String),
      backboneVariant: 'int8',
      backboneNote: null,
      message: null,
      fix: null,
      broker: 'sqlite',
    });
    const noToken = await call(base, 'GET', '/v1/datasets');
    expect(noToken.status).toBe(401);
    expect(noToken.json.error.code).toBe('unauthorized');
    const wrong = await call(base, 'GET', '/v1/datasets', { token: 'nope' });
    expect(wrong.status).toBe(401);
    expect((await call(base, 'GET', '/metrics')).status).toBe(401);
  });

  it('refuses a foreign Host with 421 even with the right token', async () => {
    const r = await call(base, 'GET', '/v1/datasets', { token, headers: { host: 'evil.example:80' } });
    expect(r.status).toBe(421);
    expect(r.json.error.code).toBe('misdirected');
    const local = await call(base, 'GET', '/v1/health', { headers: { host: `localhost:${new URL(base).port}` } });
    expect(local.status).toBe(200);
  });

  it('answers 404 and 405 with Allow as JSON', async () => {
    const missing = await call(base, 'GET', '/v1/datasets/424242', { token });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: { code: 'not_found', message: 'No dataset 424242.' } });
    const noRoute = await call(base, 'GET', '/v1/nothing-here', { token });
    expect(noRoute.status).toBe(404);
    expect(noRoute.headers['content-type']).toMatch(/json/);
    const method = await call(base, 'PUT', '/v1/datasets', { token });
    expect(method.status).toBe(405);
    expect(method.headers.allow).toMatch(/GET/);
    expect(method.json.error.code).toBe('method_not_allowed');
  });

  it('keeps CORS closed by default', async () => {
    const pre = await call(base, 'OPTIONS', '/v1/datasets', {
      headers: { origin: 'https://site.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    expect(pre.status).toBeGreaterThanOrEqual(400);
  });

  it('opens CORS to the origins Settings lists, and only those', async () => {
    await app.dispatcher.call('settings.api.set', { allowedOrigins: ['https://tool.example'] });
    const pre = await call(base, 'OPTIONS', '/v1/datasets', {
      headers: { origin: 'https://tool.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://tool.example');
    const other = await call(base, 'GET', '/v1/health', { headers: { origin: 'https://else.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    await app.dispatcher.call('settings.api.set', { allowedOrigins: [] });
  });

  it('trades the token for an HttpOnly SameSite=Strict session cookie that opens images and /ipc', async () => {
    const s = await call(base, 'POST', '/v1/session', { token });
    expect(s.status).toBe(204);
    const cookie = String(s.headers['set-cookie']);
    expect(cookie).toMatch(/loupe_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const pair = cookie.split(';')[0];
    expect((await call(base, 'GET', '/v1/datasets', { headers: { cookie: pair } })).status).toBe(200);
    expect((await call(base, 'GET', '/v1/datasets', { headers: { cookie: 'loupe_session=1.forged' } })).status).toBe(401);
    const ws = await openSocket('/ipc', { cookie: pair, origin: base });
    ws.close();
  });
});

describe('datasets and images', () => {
  it('creates a dataset, uploads pictures (the same bytes twice stored once), lists and relabels them', async () => {
    const made = await call(base, 'POST', '/v1/datasets', { token, ...json({ name: 'Pets' }) });
    expect(made.status).toBe(201);
    const id = made.json.id as string;
    expect(typeof id).toBe('string');

    const a = await picture(1);
    const up = multipart(
      [
        { name: 'a.png', bytes: a },
        { name: 'b.png', bytes: await picture(2) },
        { name: 'again.png', bytes: a },
        { name: 'broken.jpg', bytes: await truncatedJpeg(3), type: 'image/jpeg' },
      ],
      { label: 'cats' },
    );
    const posted = await call(base, 'POST', `/v1/datasets/${id}/images`, { token, headers: { 'content-type': up.contentType }, body: up.body });
    expect(posted.status).toBe(201);
    expect(posted.json.items).toHaveLength(3);
    expect(posted.json.items[0]).toMatchObject({ hash: expect.any(String), label: 'cats' });
    expect(posted.json.items[2].id).toBe(posted.json.items[0].id);
    expect(posted.json.failed).toEqual([expect.objectContaining({ name: 'broken.jpg', code: 'bad_image' })]);

    const detail = await call(base, 'GET', `/v1/datasets/${id}`, { token });
    expect(detail.json).toMatchObject({ id, name: 'Pets', imageCount: 2, labels: [{ name: 'cats', count: 2 }] });

    const page1 = await call(base, 'GET', `/v1/datasets/${id}/images?limit=1`, { token });
    expect(page1.json.items).toHaveLength(1);
    expect(page1.json.items[0]).toMatchObject({ id: expect.any(String), hash: expect.any(String), label: 'cats', width: 48, height: 32 });
    const page2 = await call(base, 'GET', `/v1/datasets/${id}/images?limit=1&cursor=${page1.json.nextCursor}`, { token });
    expect(page2.json.items[0].id).not.toBe(page1.json.items[0].id);
    expect(page2.json.nextCursor).toBeNull();
    const badCursor = await call(base, 'GET', `/v1/datasets/${id}/images?cursor=%%%bad`, { token });
    expect(badCursor.status).toBe(422);
    expect(badCursor.json.error.code).toBe('validation');
    const badLimit = await call(base, 'GET', `/v1/datasets/${id}/images?limit=501`, { token });
    expect(badLimit.status).toBe(422);
    expect(badLimit.json.error).toMatchObject({ code: 'validation', details: { field: 'query.limit' } });
    const typo = await call(base, 'GET', `/v1/datasets/${id}/images?lable=cats`, { token });
    expect(typo.status).toBe(400);
    expect(typo.json.error).toMatchObject({ code: 'unknown_parameter', message: expect.stringContaining('"lable"') });

    const imageId = page1.json.items[0].id;
    const patched = await call(base, 'PATCH', `/v1/images/${imageId}`, { token, ...json({ label: 'dogs' }) });
    expect(patched.status).toBe(200);
    expect(patched.json.label).toBe('dogs');
    const dogs = await call(base, 'GET', `/v1/datasets/${id}/images?label=dogs`, { token });
    expect(dogs.json.items.map((i: { id: string }) => i.id)).toEqual([imageId]);
    await call(base, 'PATCH', `/v1/images/${imageId}`, { token, ...json({ label: null }) });
    const unl = await call(base, 'GET', `/v1/datasets/${id}/images?unlabeled=true`, { token });
    expect(unl.json.items).toHaveLength(1);

    const thumb = await call(base, 'GET', `/v1/images/${imageId}/thumbnail`, { token });
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect((await sharp(thumb.body).metadata()).format).toBe('webp');
    // Cached for good and revalidated by the picture's content hash: a browser asking again gets a 304.
    expect(thumb.headers['cache-control']).toContain('immutable');
    const etag = thumb.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const again = await call(base, 'GET', `/v1/images/${imageId}/thumbnail`, { token, headers: { 'if-none-match': `W/"other", ${etag}` } });
    expect([again.status, again.body.length]).toEqual([304, 0]);
    expect((await call(base, 'GET', `/v1/images/${imageId}/thumbnail`, { token, headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    expect((await call(base, 'GET', '/v1/images/999999/thumbnail', { token })).status).toBe(404);
  });

  it('answers bad bodies with JSON errors: 422 invalid, 400 malformed, 415 wrong type, 422 all-bad upload', async () => {
    const empty = await call(base, 'POST', '/v1/datasets', { token, ...json({ name: '' }) });
    expect(empty.status).toBe(422);
    expect(empty.json.error).toMatchObject({ code: 'validation', details: { field: 'name' } });
    expect(empty.json.error.message).toMatch(/name/);
    const malformed = await call(base, 'POST', '/v1/datasets', { token, headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(malformed.status).toBe(400);
    const text = await call(base, 'POST', '/v1/datasets', { token, headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(text.status).toBe(415);
    const ds = (await call(base, 'POST', '/v1/datasets', { token, ...json({ name: 'x' }) })).json.id;
    const bad = multipart([{ name: 'bad.jpg', bytes: await truncatedJpeg(9) }]);
    const r = await call(base, 'POST', `/v1/datasets/${ds}/images`, { token, headers: { 'content-type': bad.contentType }, body: bad.body });
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe('bad_image');
    expect(r.text).not.toMatch(/at .*\.ts/);

    const poisoned = await call(base, 'POST', '/v1/datasets', {
      token,
      headers: { 'content-type': 'application/json' },
      body: '{"name":"x","__proto__":{"admin":true}}',
    });
    expect(poisoned.status).toBe(400);
    const slash = await call(base, 'PATCH', '/v1/images/1', { token, ...json({ label: 'a/b' }) });
    expect(slash.status).toBe(422);
    const huge = multipart([{ name: 'huge.png', bytes: Buffer.alloc(50 * 1024 * 1024 + 1, 1) }]);
    const tooBig = await call(base, 'POST', `/v1/datasets/${ds}/images`, { token, headers: { 'content-type': huge.contentType }, body: huge.body });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json.error.code).toMatch(/too_large/);

    // A path that is not there is refused at once, not a 202 task that "succeeds" with nothing.
    const nowhere = await call(base, 'POST', `/v1/datasets/${ds}/import`, { token, ...json({ path: '/nowhere/at/all', labels: 'folders' }) });
    expect(nowhere.status).toBe(422);
    expect(nowhere.json.error).toMatchObject({ code: 'validation', details: { field: 'path' } });
    expect(nowhere.json.error.message).toContain('/nowhere/at/all');
    const viaTasks = await call(base, 'POST', '/v1/tasks', {
      token,
      ...json({ kind: 'import', input: { datasetId: ds, paths: ['/nowhere'], labels: 'none' } }),
    });
    expect(viaTasks.status).toBe(422);
  });

  it('imports a folder as a task (202 {taskId}) with progress on /v1/events, then deletes the dataset (204)', async () => {
    const root = join(dir, 'drop');
    await writePictures(join(root, 'cats'), 4, 300);
    await writePictures(join(root, 'dogs'), 3, 400);
    const id = (await call(base, 'POST', '/v1/datasets', { token, ...json({ name: 'imported' }) })).json.id;
    const events = await openSocket(`/v1/events?token=${token}`);
    const messages: any[] = [];
    events.on('message', (m) => messages.push(JSON.parse(String(m))));

    const started = await call(base, 'POST', `/v1/datasets/${id}/import`, { token, ...json({ path: root, labels: 'folders' }) });
    expect(started.status).toBe(202);
    const taskId = started.json.taskId as string;
    let status: any;
    for (let i = 0; i < 600; i++) {
      status = (await call(base, 'GET', `/v1/imports/${taskId}`, { token })).json;
      if (status.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toMatchObject({ state: 'succeeded', imported: 7 });
    // Other kinds (embedding, training) may finish around the import: look for the import's own event.
    const importDone = (m: any) => m.type === 'task' && m.task.id === taskId && m.task.state === 'succeeded';
    for (let i = 0; i < 1500 && !messages.some(importDone); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(messages.find(importDone)?.task).toMatchObject({ id: taskId, kind: 'import' });
    expect(messages.some((m) => m.type === 'dataset' && m.datasetId === id)).toBe(true);
    expect(messages.some((m) => m.type === 'import' && m.import.importId === taskId)).toBe(true);
    events.close();
    const task = (await call(base, 'GET', `/v1/tasks/${taskId}`, { token })).json;
    expect(task).toMatchObject({ id: taskId, kind: 'import', state: 'succeeded', progress: 1, error: null });
    expect(task.result).toMatchObject({ imported: 7 });

    const detail = (await call(base, 'GET', `/v1/datasets/${id}`, { token })).json;
    expect(detail.labels).toEqual([
      { name: 'cats', count: 4, color: expect.any(String) },
      { name: 'dogs', count: 3, color: expect.any(String) },
    ]);
    expect((await call(base, 'DELETE', `/v1/datasets/${id}`, { token })).status).toBe(204);
    expect((await call(base, 'DELETE', `/v1/datasets/${id}`, { token })).status).toBe(404);
  });
});

describe('tasks', () => {
  it('queues a script task, runs it, lists it by state; refuses unknown kinds; cancels a waiting task', async () => {
    const made = await call(base, 'POST', '/v1/tasks', { token, ...json({ kind: 'script', input: { source: 'print("hi")\n1 + 2' } }) });
    expect(made.status).toBe(201);
    let t = made.json;
    for (let i = 0; i < 1500 && (t.state === 'queued' || t.state === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      t = (await call(base, 'GET', `/v1/tasks/${made.json.id}`, { token })).json;
    }
    expect(t).toMatchObject({ kind: 'script', state: 'succeeded', result: { output: 'hi\n', value: 3 } });
    const listed = (await call(base, 'GET', '/v1/tasks?state=succeeded', { token })).json;
    expect(listed.items.map((x: { id: string }) => x.id)).toContain(t.id);

    const unknown = await call(base, 'POST', '/v1/tasks', { token, ...json({ kind: 'mine-bitcoin', input: {} }) });
    expect(unknown.status).toBe(422);
    expect(unknown.json.error.message).toMatch(/import, script/);
    const badState = await call(base, 'GET', '/v1/tasks?state=sleeping', { token });
    expect(badState.status).toBe(422);
    expect(badState.json.error.code).toBe('validation');

    const later = await call(base, 'POST', '/v1/tasks', {
      token,
      ...json({ kind: 'script', input: { source: '1' }, runAt: new Date(Date.now() + 3_600_000).toISOString() }),
    });
    expect(later.json.state).toBe('queued');
    const cancelled = await call(base, 'POST', `/v1/tasks/${later.json.id}/cancel`, { token });
    expect([cancelled.status, cancelled.json.state]).toEqual([200, 'cancelled']);
    expect((await call(base, 'GET', '/v1/tasks/99999', { token })).status).toBe(404);
  });
});

describe('scripts', () => {
  it('runs a script now: output and value, or 422 script_error with line and column', async () => {
    const ok = await call(base, 'POST', '/v1/scripts/run', { token, ...json({ source: 'print("a")\n2 * 21' }) });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ output: 'a\n', value: 42 });
    const bad = await call(base, 'POST', '/v1/scripts/run', { token, ...json({ source: 'print(1)\nlet = 2' }) });
    expect(bad.status).toBe(422);
    expect(bad.json.error).toMatchObject({ code: 'script_error', line: 2, column: expect.any(Number), message: expect.any(String) });
  });
});

describe('the contract over /ipc', () => {
  it('answers calls with envelopes, names the field of a wrong payload, and pushes events', async () => {
    const ws = await openSocket('/ipc', { authorization: `Bearer ${token}` });
    const replies = new Map<number, any>();
    const events: any[] = [];
    ws.on('message', (m) => {
      const f = JSON.parse(String(m));
      if ('id' in f) replies.set(f.id, f);
      else events.push(f);
    });
    const rpc = async (id: number, method: string, params: unknown) => {
      ws.send(JSON.stringify({ id, method, params }));
      for (let i = 0; i < 3000 && !replies.has(id); i++) await new Promise((r) => setTimeout(r, 10));
      return replies.get(id);
    };
    const made = await rpc(1, 'datasets.create', { name: 'over ipc' });
    expect(made).toMatchObject({ id: 1, ok: true, value: { name: 'over ipc' } });
    const bad = await rpc(2, 'labels.create', { datasetId: made.value.id, name: 'a/b' });
    expect(bad).toMatchObject({ id: 2, ok: false, error: { code: 'validation', field: 'name' } });
    await rpc(3, 'labels.create', { datasetId: made.value.id, name: 'birds' });
    const labelsEvent = { event: 'dataset.changed', payload: { datasetId: made.value.id, reason: 'labels' } };
    for (let i = 0; i < 1000 && events.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    // Creating the dataset announced it; adding a label announces the change of labels.
    expect(events).toEqual([{ event: 'dataset.changed', payload: { datasetId: made.value.id, reason: 'created' } }, labelsEvent]);
    // A path longer than any file system allows is refused as REST's import refuses it.
    const longPath = await rpc(4, 'imports.start', { datasetId: made.value.id, paths: ['/' + 'a'.repeat(5000)] });
    expect(longPath).toMatchObject({ id: 4, ok: false, error: { code: 'validation', field: 'paths.0' } });
    expect(longPath.error.message).toMatch(/4096/);
    ws.close();
  });

  it('carries the largest call the contract allows (100,000 accepted guesses, about 18 MB)', async () => {
    // The socket once closed on frames over 4 MiB, so the browser shell could not send calls
    // its own contract calls valid.
    const ws = await openSocket('/ipc', { authorization: `Bearer ${token}` });
    const reply = new Promise<any>((resolve) => ws.once('message', (m) => resolve(JSON.parse(String(m)))));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const items = Array.from({ length: 100_000 }, (_, i) => ({ id: `9${String(i).padStart(63, '0')}`, label: 'l'.repeat(100) }));
    ws.send(JSON.stringify({ id: 1, method: 'images.accept', params: { items } }));
    const answer = await Promise.race([reply, closed.then((code) => ({ closed: code }))]);
    expect(answer).toMatchObject({ id: 1, ok: true, value: { updated: 0 } });
    ws.close();
  }, 60_000);

  it('refuses /ipc without a token', async () => {
    await expect(openSocket('/ipc')).rejects.toThrow(/401/);
  });
});

describe('metrics, index page and restart', () => {
  it('serves Prometheus text by route pattern and an HTML index at /v1', async () => {
    const m = await call(base, 'GET', '/metrics', { token });
    expect(m.headers['content-type']).toMatch(/text\/plain/);
    expect(m.text).toMatch(/loupe_http_requests_total\{method="GET",route="\/v1\/datasets\/:id",status="404"\} \d+/);
    expect(m.text).toMatch(/loupe_http_request_duration_seconds_bucket\{method="POST",route="\/v1\/datasets",le="\+Inf"\} \d+/);
    expect(m.text).toMatch(/loupe_process_memory_bytes\{kind="rss"\} \d+/);
    const page = await call(base, 'GET', '/v1', { token });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toMatch(/\/v1\/datasets\/:id\/images/);
    const oa = await call(base, 'GET', '/v1/openapi.json', { token });
    expect(oa.json.openapi).toMatch(/^3\.1/);
    expect(Object.keys(oa.json.paths)).toEqual(expect.arrayContaining(['/v1/datasets', '/v1/datasets/{id}/images', '/v1/tasks']));
  });

  it('keeps everything after a restart on the same data folder, token and waiting tasks included', async () => {
    const id = (await call(base, 'POST', '/v1/datasets', { token, ...json({ name: 'survivor' }) })).json.id;
    const waiting = await call(base, 'POST', '/v1/tasks', {
      token,
      ...json({ kind: 'script', input: { source: '1' }, runAt: new Date(Date.now() + 3_600_000).toISOString() }),
    });
    const oldToken = token;
    await app.close();
    await start();
    expect(token).toBe(oldToken);
    const d = await call(base, 'GET', `/v1/datasets/${id}`, { token });
    expect(d.json.name).toBe('survivor');
    expect((await call(base, 'GET', `/v1/tasks/${waiting.json.id}`, { token })).json.state).toBe('queued');
  });

  it('regenerating the token ends the old token and every session cookie at once', async () => {
    const cookie = String((await call(base, 'POST', '/v1/session', { token })).headers['set-cookie']).split(';')[0];
    const fresh = await app.dispatcher.call('settings.api.regenerateToken', {});
    expect(fresh.ok).toBe(true);
    expect((await call(base, 'GET', '/v1/datasets', { token })).status).toBe(401);
    expect((await call(base, 'GET', '/v1/datasets', { headers: { cookie } })).status).toBe(401);
    expect((await call(base, 'GET', '/v1/datasets', { token: app.token })).status).toBe(200);
    token = app.token;
  });
});
