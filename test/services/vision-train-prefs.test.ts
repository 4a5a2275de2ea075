import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import type { Run } from '../../src/shared/contract/index';
import { call } from '../api/client';
import { kindPictures, waitFor } from './vision-pictures';

// Automatic retrains (debounced after a label change) follow the dataset's stored training
// preferences, so a person who asked for augmentation once gets it on every retrain.

let dir: string;
let app: LoupeApp;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-train-prefs-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: true, debounceMs: 100 } });
  base = (await app.listen({ port: 0 })).url;
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const vision = () => app.services.vision;
const library = () => app.services.library;
const json = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });

async function upload(datasetId: string, perKind: number, firstSeed: number) {
  await library().upload(datasetId, [
    ...(await kindPictures('red', perKind, firstSeed)).map((bytes, i) => ({ name: `red-${firstSeed}-${i}.png`, bytes, label: 'red' })),
    ...(await kindPictures('blue', perKind, firstSeed)).map((bytes, i) => ({ name: `blue-${firstSeed}-${i}.png`, bytes, label: 'blue' })),
  ]);
}

/** The next automatic run after `after` (a run id or null) once it has finished. */
async function nextAutoRun(datasetId: string, after: string | null): Promise<Run> {
  return waitFor(
    () => {
      const runs = vision()
        .records.listRuns(datasetId, 50)
        .items.filter((r) => r.trigger === 'auto' && (after === null || Number(r.id) > Number(after)));
      const run = runs.at(-1);
      return run && run.status !== 'queued' && run.status !== 'running' ? run : undefined;
    },
    'an automatic run',
    120_000,
  );
}

async function quiet(datasetId: string) {
  // Let any run still queued or running finish before the next change.
  await waitFor(
    () =>
      vision()
        .records.listRuns(datasetId, 50)
        .items.every((r) => r.status !== 'queued' && r.status !== 'running')
        ? true
        : undefined,
    'runs to settle',
  );
}

describe('per-dataset training preferences', () => {
  it('are off until set, and belong to one dataset', async () => {
    const a = library().createDataset('prefs a').id;
    const b = library().createDataset('prefs b').id;
    expect(vision().trainPrefs(a)).toEqual({ augment: false });
    expect(vision().setTrainPrefs(a, { augment: true })).toEqual({ augment: true });
    expect(vision().trainPrefs(a)).toEqual({ augment: true });
    expect(vision().trainPrefs(b)).toEqual({ augment: false });
    // Deleting the dataset deletes its preferences with it.
    await library().deleteDataset(a);
    expect((app.services.store.db.prepare('SELECT COUNT(*) AS n FROM train_prefs').get() as { n: number }).n).toBe(0);
  });

  it('make automatic retrains after a label change augment, once set on the dataset', async () => {
    const id = library().createDataset('auto augmented').id;
    // Set through the contract, as the Train page's "Augment" box does.
    expect(await app.dispatcher.call('training.setPrefs', { datasetId: id, augment: true })).toEqual({ ok: true, value: { augment: true } });
    expect(await app.dispatcher.call('training.prefs', { datasetId: id })).toEqual({ ok: true, value: { augment: true } });
    await upload(id, 6, 1);
    const run = await nextAutoRun(id, null);
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toBe('auto');
    expect(run.params.augment).toBe(true);
    expect(run.counts!.augmented).toBe(run.counts!.train * 3);
    const copies = (app.services.store.db.prepare('SELECT COUNT(*) AS n FROM embedding_variants').get() as { n: number }).n;
    expect(copies).toBe(12 * 3);
  });

  it('are stored from the API’s train options, and automatic retrains follow them', async () => {
    const id = library().createDataset('api prefs').id;
    await upload(id, 5, 40);
    const first = await nextAutoRun(id, null);
    expect(first.params.augment).toBeUndefined();
    expect(first.counts!.augmented).toBeUndefined();
    await quiet(id);

    // A run started over HTTP with augment: true stores the preference…
    const r = await call(base, 'POST', `/v1/datasets/${id}/train`, { token: app.token, ...json({ augment: true }) });
    expect(r.status).toBe(202);
    const prefs = await call(base, 'GET', `/v1/datasets/${id}/train-prefs`, { token: app.token });
    expect(prefs.json).toEqual({ augment: true });
    await quiet(id);
    const manual = vision().training.get(r.json.runId as string);
    expect(manual.counts!.augmented).toBeGreaterThan(0);

    // …so the retrain after the next label change augments without being asked.
    await upload(id, 2, 80);
    const auto = await nextAutoRun(id, manual.id);
    expect(auto.status).toBe('succeeded');
    expect(auto.params.augment).toBe(true);
    expect(auto.counts!.augmented).toBe(auto.counts!.train * 3);
    await quiet(id);

    // Turned off over HTTP: the next automatic retrain trains on the pictures alone.
    const off = await call(base, 'PUT', `/v1/datasets/${id}/train-prefs`, { token: app.token, ...json({ augment: false }) });
    expect(off.status).toBe(200);
    expect(off.json).toEqual({ augment: false });
    await upload(id, 1, 90);
    const plain = await nextAutoRun(id, auto.id);
    expect(plain.status).toBe('succeeded');
    expect(plain.params.augment).toBeUndefined();
    expect(plain.counts!.augmented).toBeUndefined();
  });
});
