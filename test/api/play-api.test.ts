// Scoring a labelled test set over HTTP: a real server, the real backbone, a trained model;
// the pictures are scored and never added to the dataset.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { kindPictures, waitFor } from '../services/vision-pictures';
import { call, multipart } from './client';

let dir: string;
let app: LoupeApp;
let base: string;
let token: string;
let datasetId: string;
let modelId: string;

const json = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });

function evaluate(files: Array<{ name: string; bytes: Buffer }>, fields: Record<string, string>) {
  const form = multipart(files, fields);
  return call(base, 'POST', `/v1/models/${modelId}/evaluate`, { token, headers: { 'content-type': form.contentType }, body: form.body });
}

describe('POST /v1/models/:id/evaluate', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-play-api-'));
    app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
    base = (await app.listen({ port: 0 })).url;
    token = app.token;
    datasetId = (await call(base, 'POST', '/v1/datasets', { token, ...json({ name: 'colours' }) })).json.id;
    for (const kind of ['red', 'blue'] as const) {
      const form = multipart(
        (await kindPictures(kind, 8, 1)).map((bytes, i) => ({ name: `${kind}-${i}.png`, bytes })),
        { label: kind },
      );
      expect(
        (await call(base, 'POST', `/v1/datasets/${datasetId}/images`, { token, headers: { 'content-type': form.contentType }, body: form.body })).status,
      ).toBe(201);
    }
    const start = await call(base, 'POST', `/v1/datasets/${datasetId}/train`, { token, ...json({}) });
    const run = await waitFor(
      async () => {
        const r = await call(base, 'GET', `/v1/runs/${start.json.runId}`, { token });
        return r.json.status === 'queued' || r.json.status === 'running' ? undefined : r.json;
      },
      'the run',
      120_000,
    );
    modelId = run.modelId;
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores labelled pictures: accuracy, per-label metrics, confusion matrix, each verdict; nothing added', async () => {
    const red = await kindPictures('red', 3, 100);
    const blue = await kindPictures('blue', 3, 100);
    const files = [
      ...red.map((bytes, i) => ({ name: `red-${i}.png`, bytes })),
      ...blue.map((bytes, i) => ({ name: `blue-${i}.png`, bytes })),
      // A blue picture the test set calls "green", a label the model does not know; and a broken file.
      { name: 'odd.png', bytes: blue[0] },
      { name: 'broken.png', bytes: Buffer.from('not a picture') },
    ];
    const labels = ['red', 'red', 'red', 'blue', 'blue', 'blue', 'green', 'red'];
    const r = await evaluate(files, { labels: JSON.stringify(labels) });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ modelId, count: 7, unknownLabels: ['green'] });
    expect(r.json.accuracy).toBeCloseTo(6 / 7, 5);
    expect(r.json.perClass.red).toMatchObject({ recall: 1, support: 3 });
    expect(r.json.perClass.green).toMatchObject({ recall: 0, support: 1 });
    expect(r.json.confusion.labels).toEqual(['blue', 'red', 'green']);
    expect(r.json.confusion.matrix).toEqual([
      [3, 0, 0],
      [0, 3, 0],
      [1, 0, 0],
    ]);
    expect(r.json.items.map((x: { name: string }) => x.name)).toEqual(files.slice(0, 7).map((f) => f.name));
    expect(r.json.items[6]).toMatchObject({ label: 'green', predicted: 'blue', correct: false });
    expect(r.json.failed).toEqual([{ name: 'broken.png', code: expect.any(String), message: expect.stringContaining('broken.png') }]);
    const ds = await call(base, 'GET', `/v1/datasets/${datasetId}`, { token });
    expect(ds.json.imageCount).toBe(16);
  }, 120_000);

  it('says what is wrong with a request it cannot score', async () => {
    const one = [{ name: 'a.png', bytes: (await kindPictures('red', 1, 200))[0] }];
    const missing = await evaluate(one, {});
    expect(missing.status).toBe(422);
    expect(missing.json.error.message).toContain('labels');
    const short = await evaluate(one, { labels: '["red","blue"]' });
    expect(short.status).toBe(422);
    expect(short.json.error.message).toContain('1 files but 2 labels');
    expect((await evaluate(one, { labels: 'red' })).status).toBe(400);
    const json415 = await call(base, 'POST', `/v1/models/${modelId}/evaluate`, { token, ...json({}) });
    expect(json415.status).toBe(415);
    const unknown = await call(base, 'POST', '/v1/models/999999/evaluate', { token, ...json({}) });
    expect(unknown.status).toBe(404);
  });

  it('scores over the contract too', async () => {
    const [bytes] = await kindPictures('blue', 1, 300);
    const r = await app.dispatcher.call('models.evaluate', { modelId, items: [{ input: { base64: bytes.toString('base64'), name: 'b.png' }, label: 'blue' }] });
    expect(r).toMatchObject({ ok: true, value: { count: 1, accuracy: 1 } });
  });
});
