// Review queues over HTTP with a real server, the real backbone and real Fashion-MNIST
// pictures: three classes, twenty pictures each, three of them uploaded under a wrong label.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { waitFor } from '../services/vision-pictures';
import { call, multipart } from './client';
import { fmnistPictures, type FmnistPicture } from './fmnist-pictures';
import { fmnistAvailable } from '../vision/fixtures-fmnist';

let dir: string;
let app: LoupeApp;
let base: string;
let token: string;
let datasetId: string;
/** Image id -> true class, of the pictures stored under a wrong label. */
const flipped = new Map<string, string>();
const unlabelled: string[] = [];

const json = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
const get = (path: string) => call(base, 'GET', path, { token });

async function upload(pictures: FmnistPicture[], label: string | null): Promise<string[]> {
  const form = multipart(
    pictures.map((p) => ({ name: `${p.name}-${p.index}.png`, bytes: p.bytes })),
    label ? { label } : {},
  );
  const r = await call(base, 'POST', `/v1/datasets/${datasetId}/images`, { token, headers: { 'content-type': form.contentType }, body: form.body });
  expect(r.status).toBe(201);
  return (r.json.items as Array<{ id: string }>).map((x) => x.id);
}

describe.skipIf(!fmnistAvailable())('GET /v1/datasets/:id/review', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-review-api-'));
    app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
    base = (await app.listen({ port: 0 })).url;
    token = app.token;
    const r = await call(base, 'POST', '/v1/datasets', { token, ...json({ name: 'clothes' }) });
    datasetId = r.json.id;
    // trouser, sneaker, bag: 22 each; the last two of each class stay unlabelled.
    const all = await fmnistPictures([1, 7, 8], 22);
    const names = ['trouser', 'sneaker', 'bag'];
    for (const name of names) {
      const mine = all.filter((p) => p.name === name);
      // The first picture of each class goes under the next class's label.
      const wrong = names[(names.indexOf(name) + 1) % 3];
      const [id] = await upload([mine[0]], wrong);
      flipped.set(id, name);
      await upload(mine.slice(1, 20), name);
      unlabelled.push(...(await upload(mine.slice(20), null)));
    }
    await waitFor(
      () => {
        const s = app.services.vision.status(datasetId);
        return s.embedded === 66 ? s : undefined;
      },
      'every picture embedded',
      240_000,
    );
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts the pictures with a wrong label at the top of likely-mislabelled, with their true label suggested', async () => {
    const r = await get(`/v1/datasets/${datasetId}/review?queue=likely-mislabelled&limit=10`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ queue: 'likely-mislabelled', note: null });
    const top = (r.json.items as Array<{ id: string; label: string; suggested: string; score: number }>).slice(0, 5);
    for (const [id, truth] of flipped) {
      const item = top.find((x) => x.id === id);
      expect(item, `flipped picture ${id} in the first five`).toBeDefined();
      expect(item!.suggested).toBe(truth);
      expect(item!.score).toBeGreaterThan(0);
    }
    // Scores only go down.
    const scores = (r.json.items as Array<{ score: number }>).map((x) => x.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    // Computed once per labels version: the second request reads the cache.
    expect(app.services.vision.review.isCached(datasetId)).toBe(true);
    const again = await get(`/v1/datasets/${datasetId}/review?queue=likely-mislabelled&limit=2`);
    expect(again.json.items.map((x: { id: string }) => x.id)).toEqual(r.json.items.slice(0, 2).map((x: { id: string }) => x.id));
  }, 120_000);

  it('recomputes after a correction, and the corrected picture leaves the queue', async () => {
    const [id, truth] = [...flipped][0];
    const fix = await call(base, 'PATCH', `/v1/images/${id}`, { token, ...json({ label: truth }) });
    expect(fix.status).toBe(200);
    expect(app.services.vision.review.isCached(datasetId)).toBe(false);
    const r = await get(`/v1/datasets/${datasetId}/review?queue=likely-mislabelled&limit=10`);
    expect(r.json.items.map((x: { id: string }) => x.id)).not.toContain(id);
  }, 120_000);

  it('answers label-next, disagreements and low-confidence from the active model', async () => {
    const before = await get(`/v1/datasets/${datasetId}/review?queue=disagreements`);
    expect(before.json).toMatchObject({ modelId: null, items: [], note: expect.stringContaining('No model') });

    const start = await call(base, 'POST', `/v1/datasets/${datasetId}/train`, { token, ...json({}) });
    expect(start.status).toBe(202);
    await waitFor(
      async () => {
        const run = await get(`/v1/runs/${start.json.runId}`);
        return run.json.status === 'succeeded' ? run.json : undefined;
      },
      'the run',
      120_000,
    );

    const next = await get(`/v1/datasets/${datasetId}/review?queue=label-next&limit=6`);
    expect(next.status).toBe(200);
    expect(next.json.items.map((x: { id: string }) => x.id).sort()).toEqual([...unlabelled].sort());
    for (const item of next.json.items) {
      expect(item.label).toBeNull();
      expect(item.top).toHaveLength(3);
      expect(item.predicted).toBe(item.top[0].label);
      expect(item.confidence).toBe(item.top[0].confidence);
    }

    const low = await get(`/v1/datasets/${datasetId}/review?queue=low-confidence&limit=66`);
    const conf = low.json.items.map((x: { confidence: number }) => x.confidence);
    expect(conf.length).toBe(66);
    expect([...conf].sort((a, b) => a - b)).toEqual(conf);

    const dis = await get(`/v1/datasets/${datasetId}/review?queue=disagreements&limit=50`);
    for (const item of dis.json.items) {
      expect(item.label).not.toBeNull();
      expect(item.predicted).not.toBe(item.label);
    }
  }, 240_000);

  it('refuses an unknown queue, a bad limit and an unknown dataset with a clear error', async () => {
    const bad = await get(`/v1/datasets/${datasetId}/review?queue=worst`);
    expect(bad.status).toBe(422);
    expect(bad.json.error.message).toContain('queue');
    expect((await get(`/v1/datasets/${datasetId}/review?queue=label-next&limit=0`)).status).toBe(422);
    const missing = await get('/v1/datasets/999999/review?queue=label-next');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');
  });

  it('pages past a batch with offset: the pages put together are the whole queue in order', async () => {
    const whole = (await get(`/v1/datasets/${datasetId}/review?queue=low-confidence&limit=500`)).json.items.map((i: { id: string }) => i.id);
    expect(whole.length).toBeGreaterThan(6);
    const paged: string[] = [];
    for (let offset = 0; offset < whole.length; offset += 4) {
      const r = await get(`/v1/datasets/${datasetId}/review?queue=low-confidence&limit=4&offset=${offset}`);
      expect(r.status).toBe(200);
      paged.push(...r.json.items.map((i: { id: string }) => i.id));
    }
    expect(paged).toEqual(whole);
    expect((await get(`/v1/datasets/${datasetId}/review?queue=low-confidence&offset=${whole.length}`)).json.items).toEqual([]);
    expect((await get(`/v1/datasets/${datasetId}/review?queue=low-confidence&offset=-1`)).status).toBe(422);
  });

  it('answers the same queue over the contract', async () => {
    const r = await app.dispatcher.call('review.queue', { datasetId, queue: 'low-confidence', limit: 3 });
    expect(r).toMatchObject({ ok: true, value: { queue: 'low-confidence', items: expect.any(Array) } });
  });
});
