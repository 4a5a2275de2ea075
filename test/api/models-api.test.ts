import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { kindPictures, waitFor } from '../services/vision-pictures';
import { call, multipart } from './client';
import { isHeldOut } from '../../src/main/services/vision/held-out';

// One active model per dataset over the real HTTP API: the held-out split by content hash,
// the at-least-as-good rule, pinning, rename, delete, compare, and "nothing changed".

let dir: string;
let app: LoupeApp;
let base: string;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-models-api-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
  base = (await app.listen({ port: 0 })).url;
  token = app.token;
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const json = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
const get = (path: string) => call(base, 'GET', path, { token });
const send = (method: string, path: string, body?: unknown) => call(base, method, path, { token, ...(body === undefined ? {} : json(body)) });

async function upload(datasetId: string, files: Buffer[], label: string) {
  const form = multipart(
    files.map((bytes, i) => ({ name: `${label}-${i}.png`, bytes })),
    { label },
  );
  expect((await call(base, 'POST', `/v1/datasets/${datasetId}/images`, { token, headers: { 'content-type': form.contentType }, body: form.body })).status).toBe(
    201,
  );
}

async function train(datasetId: string, params: unknown = {}, query = '') {
  const start = await send('POST', `/v1/datasets/${datasetId}/train${query}`, params);
  expect(start.status, start.text).toBe(202);
  return waitFor(
    async () => {
      const r = await get(`/v1/runs/${start.json.runId}`);
      return r.json.status === 'queued' || r.json.status === 'running' ? undefined : r.json;
    },
    'run',
    120_000,
  );
}

describe('model versions', () => {
  let id: string;
  let m1: string;
  let m2: string;

  it('makes the first model active and refuses "Train now" when nothing changed', async () => {
    id = (await send('POST', '/v1/datasets', { name: 'colours' })).json.id;
    await upload(id, await kindPictures('red', 16, 1), 'red');
    await upload(id, await kindPictures('blue', 16, 1), 'blue');
    expect((await get(`/v1/datasets/${id}`)).json.activeModelId).toBeNull();
    const run = await train(id);
    expect(run.status).toBe('succeeded');
    expect(run.activation).toEqual({ activated: true, reason: 'first', comparedWith: null });
    m1 = run.modelId;
    expect((await get(`/v1/datasets/${id}`)).json.activeModelId).toBe(m1);

    const again = await send('POST', `/v1/datasets/${id}/train`, {});
    expect(again.status).toBe(409);
    expect(again.json.error.message).toMatch(/^Nothing changed since colours v1 was trained/);
  }, 180_000);

  it('keeps the better model active when a new run scores worse on the same held-out pictures', async () => {
    // Swap the labels of every picture the run learns from (not of the held-out ones): the
    // next model learns red as blue and scores badly where the first one was right.
    const images = (await get(`/v1/datasets/${id}/images?limit=500`)).json.items as Array<{ id: string; hash: string; label: string }>;
    const swapped = images.filter((i) => !isHeldOut(i.hash));
    expect(swapped.length).toBeLessThan(images.length);
    const swap = (l: string) => (l === 'red' ? 'blue' : 'red');
    for (const i of swapped) expect((await send('PATCH', `/v1/images/${i.id}`, { label: swap(i.label) })).status).toBe(200);
    const run = await train(id);
    for (const i of swapped) await send('PATCH', `/v1/images/${i.id}`, { label: i.label });
    expect(run.status).toBe('succeeded');
    m2 = run.modelId;
    expect(run.activation).toMatchObject({ activated: false, reason: 'worse', comparedWith: { modelId: m1 } });
    expect(run.activation.comparedWith.accuracy).toBeGreaterThan(run.metrics.accuracy);
    expect((await get(`/v1/datasets/${id}`)).json.activeModelId).toBe(m1);

    // Both are scored on the same pictures; the held-out set did not move between runs.
    const cmp = await get(`/v1/model-comparison?a=${m1}&b=${m2}`);
    expect(cmp.status).toBe(200);
    expect(cmp.json.pictures).toBeGreaterThan(0);
    expect(cmp.json.a.score.pictures).toBe(cmp.json.pictures);
    expect(cmp.json.b.score.pictures).toBe(cmp.json.pictures);
    expect(cmp.json.a.score.accuracy).toBeGreaterThan(cmp.json.b.score.accuracy);
    const runs = (await get(`/v1/datasets/${id}/runs`)).json.items as Array<{ counts: { validation: number } }>;
    expect(new Set(runs.map((r) => r.counts.validation)).size).toBe(1);
  }, 180_000);

  it('pins a model: new runs do not replace it until unpinned', async () => {
    const pinned = await send('PUT', `/v1/datasets/${id}/active-model`, { modelId: m2 });
    expect(pinned.status).toBe(200);
    expect(pinned.json).toMatchObject({ activeModelId: m2, pinned: true });
    expect((await get(`/v1/datasets/${id}`)).json.activeModelId).toBe(m2);
    const run = await train(id, {}, '?force=true');
    expect(run.activation).toEqual({ activated: false, reason: 'pinned', comparedWith: null });
    expect((await get(`/v1/datasets/${id}`)).json.activeModelId).toBe(m2);
    const list = (await get(`/v1/datasets/${id}/models`)).json;
    expect(list.items.map((m: { id: string; active: boolean }) => [m.id, m.active])).toEqual([
      [run.modelId, false],
      [m2, true],
      [m1, false],
    ]);
    const unpinned = await send('PUT', `/v1/datasets/${id}/active-model`, { modelId: null });
    expect(unpinned.json).toMatchObject({ activeModelId: m2, pinned: false });
  }, 180_000);

  it('renames and deletes versions; deleting the active one hands over to the newest', async () => {
    const renamed = await send('PATCH', `/v1/models/${m2}`, { name: 'Quick try' });
    expect(renamed.status).toBe(200);
    expect(renamed.json.name).toBe('Quick try');
    expect((await send('PATCH', `/v1/models/${m2}`, { name: '  ' })).status).toBe(422);
    await get(`/v1/models/${m2}/export`);
    const file = join(dir, 'data', 'models', `model-${m2}.onnx`);
    const gone = await send('DELETE', `/v1/models/${m2}`);
    expect(gone.status).toBe(200);
    expect(existsSync(file)).toBe(false);
    const versions = (await get(`/v1/datasets/${id}/models`)).json;
    expect(versions.items.map((m: { id: string }) => m.id)).not.toContain(m2);
    expect(gone.json.activeModelId).toBe(versions.items[0].id);
    expect((await get(`/v1/datasets/${id}`)).json.activeModelId).toBe(versions.items[0].id);
    expect((await get(`/v1/models/${m2}`)).status).toBe(404);
  }, 60_000);

  it('refuses bad pins with a code and a sentence', async () => {
    const other = (await send('POST', '/v1/datasets', { name: 'other' })).json.id;
    const wrong = await send('PUT', `/v1/datasets/${other}/active-model`, { modelId: m1 });
    expect(wrong.status).toBe(422);
    expect(wrong.json.error.message).toBe(`Model ${m1} belongs to another dataset.`);
    expect((await send('PUT', `/v1/datasets/${id}/active-model`, { modelId: '99999' })).status).toBe(404);
    expect((await send('PUT', `/v1/datasets/${id}/active-model`, {})).status).toBe(422);
  });
});
