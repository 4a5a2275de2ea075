import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { kindPicture, kindPictures, waitFor } from '../services/vision-pictures';
import { call, multipart, type Answer } from './client';

/*
 * Lobe clients, unmodified, against Loupe: the exact requests of lobe-python 0.3 (Lobe
 * before 0.9), lobe-python 0.6.2 (Lobe 0.9 and later) and Lobe's browser samples, read
 * the way those clients read the answers (in Python, where `1` and `1.0` differ). On the
 * main listener they add only the bearer header; on Lobe Connect they send it as is.
 */

let dir: string;
let app: LoupeApp;
let base: string;
let modelId: string;
let picture: string;

const json = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });

async function trainedModel(): Promise<string> {
  const id = (await call(base, 'POST', '/v1/datasets', { token: app.token, ...json({ name: 'lobe' }) })).json.id as string;
  for (const kind of ['red', 'blue'] as const) {
    const form = multipart(
      (await kindPictures(kind, 8, 1)).map((bytes, i) => ({ name: `${kind}${i}.png`, bytes })),
      { label: kind },
    );
    expect(
      (await call(base, 'POST', `/v1/datasets/${id}/images`, { token: app.token, headers: { 'content-type': form.contentType }, body: form.body })).status,
    ).toBe(201);
  }
  const start = await call(base, 'POST', `/v1/datasets/${id}/train`, { token: app.token, ...json({}) });
  expect(start.status).toBe(202);
  const run = await waitFor(async () => {
    const r = (await call(base, 'GET', `/v1/runs/${start.json.runId}`, { token: app.token })).json;
    return r.status === 'queued' || r.status === 'running' ? undefined : r;
  }, 'the training run');
  expect(run.status).toBe('succeeded');
  return run.modelId as string;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-lobe-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false }, lobeConnectPort: 0 });
  base = (await app.listen({ port: 0 })).url;
  modelId = await trainedModel();
  // lobe-python re-encodes the picture as JPEG (PIL) before base64.
  picture = (
    await sharp(await kindPicture('red', 99))
      .jpeg()
      .toBuffer()
  ).toString('base64');
}, 120_000);
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Python's json.dumps with its default separators, as `requests.post(url, json=...)` sends it. */
function pythonJson(value: unknown): string {
  return JSON.stringify(value).replace(/":"/g, '": "').replace(/","/g, '", "').replace(/":\{/g, '": {');
}

interface Replay {
  client: string;
  /** How its answer is read: in Python like lobe-python, or like the browser samples. */
  reads: 'lobe-python-0.3' | 'lobe-python-0.6' | 'browser';
  headers: Record<string, string>;
  body: string;
}

function replays(): Replay[] {
  const requests = {
    'user-agent': 'python-requests/2.25.1',
    'accept-encoding': 'gzip, deflate',
    accept: '*/*',
    connection: 'keep-alive',
    'content-type': 'application/json',
  };
  return [
    // lobe-python 0.3: requests.post(url, json={"inputs": {"Image": b64}})
    { client: 'lobe-python 0.3', reads: 'lobe-python-0.3', headers: requests, body: pythonJson({ inputs: { Image: picture } }) },
    // lobe-python 0.4–0.6.2: requests.post(url, json={"image": b64})
    { client: 'lobe-python 0.6.2', reads: 'lobe-python-0.6', headers: requests, body: pythonJson({ image: picture }) },
    // Browser samples: fetch(url, {method: 'POST', body: JSON.stringify({image})}) with no headers → text/plain.
    {
      client: 'browser sample (fetch, text/plain)',
      reads: 'browser',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'http://localhost:3000', accept: '*/*' },
      body: JSON.stringify({ image: `data:image/jpeg;base64,${picture}` }),
    },
    // …and the older shape posted with no Content-Type at all.
    {
      client: 'browser sample (no content type, pre-0.9 shape)',
      reads: 'browser',
      headers: { origin: 'http://localhost:3000' },
      body: JSON.stringify({ inputs: { Image: picture } }),
    },
  ];
}

function readAnswer(r: Replay, a: Answer): { labels: [string, number][]; prediction: string } {
  expect(a.status, `${r.client}: ${a.text}`).toBe(200);
  expect(a.headers['content-type']).toMatch(/^application\/json/);
  if (r.reads === 'browser') {
    // What the samples do: res.json(), then the top label.
    const data = JSON.parse(a.text);
    if (data.predictions)
      return { labels: data.predictions.map((p: { label: string; confidence: number }) => [p.label, p.confidence]), prediction: data.predictions[0].label };
    return { labels: data.outputs.Labels, prediction: data.outputs.Prediction[0] };
  }
  const py = spawnSync('python3', [join(__dirname, '../fixtures/lobe/parse_answer.py'), r.reads], { input: a.text, encoding: 'utf8' });
  expect(py.status, `${r.client} could not read the answer: ${py.stderr}`).toBe(0);
  return JSON.parse(py.stdout);
}

async function replayAll(url: string, extra: Record<string, string>) {
  const port = new URL(url).port;
  for (const r of replays()) {
    // Lobe clients address localhost:PORT.
    const a = await call(url, 'POST', `/predict/${modelId}`, { headers: { host: `localhost:${port}`, ...r.headers, ...extra }, body: r.body });
    const read = readAnswer(r, a);
    expect(read.prediction, r.client).toBe('red');
    expect(read.labels.map((l) => l[0]).sort(), r.client).toEqual(['blue', 'red']);
    expect(read.labels[0][1], r.client).toBeGreaterThan(read.labels[1][1]);
    if (r.reads === 'browser') expect(a.headers['access-control-allow-origin'], r.client).toBeDefined();
  }
}

describe('Lobe clients on the main listener (they add the bearer header)', () => {
  it('answers both generations in the shape each asked for', async () => {
    await app.services.apiSettings.set({ allowedOrigins: ['http://localhost:3000'] });
    await replayAll(base, { authorization: `Bearer ${app.token}` });
  });

  it('still needs the token there, and says what is wrong with a bad body', async () => {
    const [lobe06] = replays().slice(1);
    expect((await call(base, 'POST', `/predict/${modelId}`, { headers: lobe06.headers, body: lobe06.body })).status).toBe(401);
    const bad = await call(base, 'POST', `/predict/${modelId}`, { token: app.token, ...json({ picture: 'x' }) });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe('validation');
    const empty = await call(base, 'POST', `/predict/${modelId}`, { token: app.token, ...json({ image: '!!!!' }) });
    expect(empty.status).toBe(422);
    expect((await call(base, 'POST', '/predict/999', { token: app.token, ...json({ image: picture }) })).status).toBe(404);
  });

  it('writes a sure confidence as a float, so lobe-python 0.3 still recognises the pairs', async () => {
    const { lobeAnswerText } = await import('../../src/main/api/vision-lobe');
    const text = lobeAnswerText(
      [
        { label: 'red', confidence: 1 },
        { label: 'blue', confidence: 0 },
      ],
      true,
    );
    const py = spawnSync('python3', [join(__dirname, '../fixtures/lobe/parse_answer.py'), 'lobe-python-0.3'], { input: text, encoding: 'utf8' });
    expect(py.stderr).toBe('');
    expect(JSON.parse(py.stdout)).toEqual({
      labels: [
        ['red', 1],
        ['blue', 0],
      ],
      prediction: 'red',
    });
  });
});

describe('Lobe Connect', () => {
  it('is off by default', () => {
    expect(app.services.apiSettings.get().lobeConnect).toEqual({ enabled: false, url: null, error: null });
  });

  it('when turned on, serves the predict route without a token, and nothing else', async () => {
    const on = await app.dispatcher.call('settings.api.set', { lobeConnect: true });
    expect(on.ok).toBe(true);
    const url = await waitFor(() => app.services.apiSettings.get().lobeConnect.url ?? undefined, 'Lobe Connect to listen');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await replayAll(url, {});
    // Only prediction: the rest of the API is not there, token or not.
    expect((await call(url, 'GET', '/v1/datasets', { token: app.token })).status).toBe(404);
    expect((await call(url, 'GET', '/metrics')).status).toBe(404);
    // The same DNS-rebinding guard as the main API.
    expect(
      (
        await call(url, 'POST', `/predict/${modelId}`, {
          headers: { host: 'evil.example:38100', 'content-type': 'application/json' },
          body: JSON.stringify({ image: picture }),
        })
      ).status,
    ).toBe(421);
    // A page from another site cannot read the answers.
    const foreign = await call(url, 'POST', `/predict/${modelId}`, {
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
      body: JSON.stringify({ image: picture }),
    });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('stays on across a restart (persisted), and turning it off closes the port', async () => {
    await app.close();
    app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false }, lobeConnectPort: 0 });
    base = (await app.listen({ port: 0 })).url;
    const url = app.services.apiSettings.get().lobeConnect.url!;
    expect(app.services.apiSettings.get().lobeConnect.enabled).toBe(true);
    await replayAll(url, {});
    app.services.apiSettings.set({ lobeConnect: false });
    await waitFor(() => (app.services.apiSettings.get().lobeConnect.url === null ? true : undefined), 'Lobe Connect to stop');
    await expect(call(url, 'POST', `/predict/${modelId}`, json({ image: picture }))).rejects.toThrow(/ECONNREFUSED/);
  }, 60_000);
});
