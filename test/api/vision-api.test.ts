import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { preprocessImage } from '../../src/main/vision/index';
import { kindPicture, kindPictures, waitFor } from '../services/vision-pictures';
import { call, multipart } from './client';

let dir: string;
let app: LoupeApp;
let base: string;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-vision-api-'));
  // No automatic retraining: every run here is started through the API.
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
  base = (await app.listen({ port: 0 })).url;
  token = app.token;
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const json = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });

async function dataset(name: string): Promise<string> {
  const r = await call(base, 'POST', '/v1/datasets', { token, ...json({ name }) });
  expect(r.status).toBe(201);
  return r.json.id as string;
}

async function upload(datasetId: string, files: Buffer[], label: string) {
  const form = multipart(
    files.map((bytes, i) => ({ name: `${label}-${i}.png`, bytes })),
    { label },
  );
  const r = await call(base, 'POST', `/v1/datasets/${datasetId}/images`, { token, headers: { 'content-type': form.contentType }, body: form.body });
  expect(r.status).toBe(201);
}

async function runUntilDone(runId: string) {
  return waitFor(async () => {
    const r = await call(base, 'GET', `/v1/runs/${runId}`, { token });
    expect(r.status).toBe(200);
    return r.json.status === 'queued' || r.json.status === 'running' ? undefined : r.json;
  }, `run ${runId}`);
}

describe('train, read, export, predict over HTTP', () => {
  let modelId: string;

  it('trains a dataset: 202 with task and run, then the run per API.md', async () => {
    const id = await dataset('colours');
    await upload(id, await kindPictures('red', 8, 1), 'red');
    await upload(id, await kindPictures('blue', 8, 1), 'blue');
    const start = await call(base, 'POST', `/v1/datasets/${id}/train`, { token, ...json({}) });
    expect(start.status).toBe(202);
    expect(start.json).toEqual({ taskId: expect.any(String), runId: expect.any(String) });
    const run = await runUntilDone(start.json.runId);
    expect(run).toMatchObject({ id: start.json.runId, status: 'succeeded', modelId: expect.any(String) });
    expect(run.metrics).toEqual({
      accuracy: expect.any(Number),
      perClass: { blue: { precision: expect.any(Number), recall: expect.any(Number), f1: expect.any(Number) }, red: expect.any(Object) },
      confusion: { labels: ['blue', 'red'], matrix: [expect.any(Array), expect.any(Array)] },
    });
    expect(run.metrics.accuracy).toBeGreaterThanOrEqual(0.99);
    modelId = run.modelId;
    // Nothing changed since: "Train now" says so (409); ?force=true trains anyway. A body is optional.
    const unchanged = await call(base, 'POST', `/v1/datasets/${id}/train`, { token });
    expect(unchanged.status).toBe(409);
    expect(unchanged.json.error.message).toMatch(/^Nothing changed since/);
    const bare = await call(base, 'POST', `/v1/datasets/${id}/train?force=true`, { token });
    expect(bare.status).toBe(202);
    await runUntilDone(bare.json.runId);
  });

  it('lists and reads models', async () => {
    const list = await call(base, 'GET', '/v1/models?limit=1', { token });
    expect(list.status).toBe(200);
    expect(list.json.items).toHaveLength(1);
    expect(list.json.nextCursor).toEqual(expect.any(String));
    const next = await call(base, 'GET', `/v1/models?limit=1&cursor=${list.json.nextCursor}`, { token });
    expect(next.json.items[0].id).toBe(modelId);
    expect(next.json.nextCursor).toBeNull();
    const one = await call(base, 'GET', `/v1/models/${modelId}`, { token });
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({
      id: modelId,
      labels: ['blue', 'red'],
      backbone: expect.any(String),
      metrics: expect.any(Object),
      createdAt: expect.any(String),
    });
    expect((await call(base, 'GET', '/v1/models/999', { token })).status).toBe(404);
    expect((await call(base, 'GET', '/v1/runs/999', { token })).json.error.code).toBe('not_found');
    expect((await call(base, 'GET', '/v1/models?cursor=garbage', { token })).status).toBe(422);
  });

  it('predicts raw bytes and multipart files, best first, with ?top', async () => {
    const red = await kindPicture('red', 321);
    const blue = await kindPicture('blue', 322);
    const raw = await call(base, 'POST', `/v1/models/${modelId}/predict`, { token, headers: { 'content-type': 'image/png' }, body: red });
    expect(raw.status).toBe(200);
    expect(raw.json.predictions).toHaveLength(1);
    expect(raw.json.predictions[0].map((p: { label: string }) => p.label)).toEqual(['red', 'blue']);
    const form = multipart([
      { name: 'a.png', bytes: blue },
      { name: 'b.png', bytes: red },
    ]);
    const multi = await call(base, 'POST', `/v1/models/${modelId}/predict?top=1`, { token, headers: { 'content-type': form.contentType }, body: form.body });
    expect(multi.status).toBe(200);
    expect(multi.json.predictions).toEqual([[{ label: 'blue', confidence: expect.any(Number) }], [{ label: 'red', confidence: expect.any(Number) }]]);
  });

  it('refuses bad predict requests with JSON errors', async () => {
    const text = await call(base, 'POST', `/v1/models/${modelId}/predict`, { token, headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(415);
    const junk = await call(base, 'POST', `/v1/models/${modelId}/predict`, { token, headers: { 'content-type': 'image/png' }, body: Buffer.from('not a png') });
    expect([415, 422]).toContain(junk.status);
    expect(junk.json.error.message).toMatch(/picture/);
    const missing = await call(base, 'POST', '/v1/models/999/predict', { token, headers: { 'content-type': 'image/png' }, body: await kindPicture('red', 1) });
    expect(missing.status).toBe(404);
    expect((await call(base, 'POST', `/v1/models/${modelId}/predict?top=0`, { token, headers: { 'content-type': 'image/png' }, body: 'x' })).status).toBe(422);
  });

  it('exports one ONNX file that predicts like the app in a fresh session', async () => {
    const r = await call(base, 'GET', `/v1/models/${modelId}/export`, { token });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(String(r.headers['content-disposition'])).toMatch(/attachment/);
    const session = await ort.InferenceSession.create(r.body);
    expect(session.inputNames).toEqual(['image']);
    expect(session.outputNames).toEqual(['probabilities']);
    const pics = [await kindPicture('red', 55), await kindPicture('blue', 56)];
    const pixels = await Promise.all(pics.map((p) => preprocessImage(p, { width: 224, height: 224 })));
    const out = await session.run({ image: new ort.Tensor('uint8', Buffer.concat(pixels), [2, 224, 224, 3]) });
    const probs = out.probabilities.data as Float32Array;
    const app = await call(base, 'POST', `/v1/models/${modelId}/predict`, {
      token,
      ...(() => {
        const f = multipart(pics.map((bytes, i) => ({ name: `${i}.png`, bytes })));
        return { headers: { 'content-type': f.contentType }, body: f.body };
      })(),
    });
    const labels = ['blue', 'red'];
    for (let i = 0; i < 2; i++) {
      for (const p of app.json.predictions[i] as Array<{ label: string; confidence: number }>) {
        expect(probs[i * 2 + labels.indexOf(p.label)]).toBeCloseTo(p.confidence, 3);
      }
    }
    await session.release();
    // Cached: the second download is the same file.
    const again = await call(base, 'GET', `/v1/models/${modelId}/export`, { token });
    expect(again.body.equals(r.body)).toBe(true);
  });

  it('answers Lobe clients on POST /predict/:modelId', async () => {
    const body = JSON.stringify({ inputs: { Image: (await kindPicture('blue', 77)).toString('base64') } });
    const r = await call(base, 'POST', `/predict/${modelId}`, { token, headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(200);
    expect(r.json.outputs.Prediction).toEqual(['blue']);
    expect(r.json.outputs.Labels).toEqual([
      ['blue', expect.any(Number)],
      ['red', expect.any(Number)],
    ]);
    expect((await call(base, 'POST', `/predict/${modelId}`, { headers: { 'content-type': 'application/json' }, body })).status).toBe(401);
    const bad = await call(base, 'POST', `/predict/${modelId}`, { token, ...json({ inputs: {} }) });
    expect(bad.status).toBe(422);
  });

  it('runs a predict-folder task through POST /v1/tasks', async () => {
    const r = await call(base, 'POST', '/v1/tasks', { token, ...json({ kind: 'predict-folder', input: { modelId, path: join(dir, 'nowhere') } }) });
    expect(r.status).toBe(201);
    const t = await waitFor(async () => {
      const g = await call(base, 'GET', `/v1/tasks/${r.json.id}`, { token });
      return g.json.state === 'dead' || g.json.state === 'succeeded' ? g.json : undefined;
    }, 'the task');
    expect(t.state).toBe('dead');
    expect(t.error.message).toMatch(/Cannot read the folder/);
  });
});

describe('training that cannot work', () => {
  it('a run with one label fails with a message, not NaN', async () => {
    const id = await dataset('one label');
    await upload(id, await kindPictures('red', 3, 30), 'cat');
    const start = await call(base, 'POST', `/v1/datasets/${id}/train`, { token, ...json({}) });
    expect(start.status).toBe(202);
    const run = await runUntilDone(start.json.runId);
    expect(run.status).toBe('failed');
    expect(run.metrics).toBeNull();
    expect(run.modelId).toBeNull();
    expect(run.error.message).toMatch(/at least two labels/);
  });

  it('refuses bad options and unknown datasets', async () => {
    const id = await dataset('opts');
    expect((await call(base, 'POST', `/v1/datasets/${id}/train`, { token, ...json({ epochs: -1 }) })).status).toBe(422);
    expect((await call(base, 'POST', `/v1/datasets/${id}/train`, { token, ...json({ nope: 1 }) })).status).toBe(422);
    // The step-size schedule is the trainer's own option, checked at the door: 0 would never recover.
    expect((await call(base, 'POST', `/v1/datasets/${id}/train`, { token, ...json({ lrDecayFactor: 0 }) })).status).toBe(422);
    expect((await call(base, 'POST', '/v1/datasets/999/train', { token, ...json({}) })).status).toBe(404);
    // Nothing labelled: refused at once, not accepted (202) to die later.
    const empty = await call(base, 'POST', `/v1/datasets/${id}/train`, { token, ...json({}) });
    expect(empty.status).toBe(422);
    expect(empty.json.error).toMatchObject({ code: 'validation', details: { field: 'labels' } });
  });
});
