import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { kindPictures, waitFor } from './vision-pictures';

/*
 * The window the import's shortcut relies on: while the dataset's embed task is queued or
 * running, storing pictures does not queue it again (Pipeline.picturesStored), and the task
 * "looks again" when it ends (Pipeline.afterTask). Here the embed task has read and embedded
 * everything there was, and is held, still running, before it returns; pictures (labelled
 * and not) are stored meanwhile. Released, it must be followed by a new embed task that
 * covers them, and by the retrain their labels imply, reading the last labels. Real SQLite,
 * real queue, real onnxruntime; only the moment is chosen.
 */

let dir: string;
let app: LoupeApp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-pipeline-race-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { debounceMs: 200 } });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const pictures = async (kind: 'red' | 'blue', n: number, seed: number, label: boolean) =>
  (await kindPictures(kind, n, seed)).map((bytes, i) => ({ name: `${label ? '' : 'u-'}${kind}-${seed + i}.png`, bytes, ...(label ? { label: kind } : {}) }));

it('pictures stored after the running embed task read its list are embedded, predicted and trained on', async () => {
  const library = app.services.library;
  const queue = app.services.tasks.queue;
  const pipeline = app.services.vision.pipeline;
  const datasetId = library.createDataset('race').id;

  // Hold the first embed task of the dataset after its real work, before it returns.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held: (() => void) | null = null;
  const heldNow = new Promise<void>((r) => (held = r));
  const refresh = pipeline.refresh.bind(pipeline);
  pipeline.refresh = async (id, ctx) => {
    const result = await refresh(id, ctx);
    if (id === datasetId && held) {
      const h = held;
      held = null;
      h();
      await gate;
    }
    return result;
  };

  await library.upload(datasetId, [...(await pictures('red', 3, 1, true)), ...(await pictures('blue', 3, 1, true))]);
  await heldNow;
  const embedTask = queue.list({ kind: 'embed', state: 'running' }).items.find((t) => t.dedupeKey === `embed:${datasetId}`);
  expect(embedTask).toBeDefined();
  expect(app.services.store.predictions.counts(datasetId, app.services.vision.backbone.id, null)).toMatchObject({ images: 6, embedded: 6 });

  // Stored while the task still runs: none of these is in the list it read.
  const late = await library.upload(datasetId, [...(await pictures('red', 2, 50, true)), ...(await pictures('blue', 2, 50, false))]);
  expect(late.imported).toBe(4);
  expect(queue.get(embedTask!.id)!.state).toBe('running');
  const labelsVersion = app.services.store.datasets.labelsVersion(datasetId);
  release();

  await waitFor(() => (queue.list({ state: ['queued', 'running'] }).items.length === 0 ? true : undefined), 'an idle queue', 90_000);
  await waitFor(
    () => {
      const model = app.services.store.models.latest(datasetId);
      if (!model) return undefined;
      const c = app.services.store.predictions.counts(datasetId, app.services.vision.backbone.id, String(model.id));
      return c.images === 10 && c.embedded === 10 && c.predicted === 10 ? true : undefined;
    },
    'every picture embedded and predicted by a model',
    90_000,
  );
  // The held task ended as it was; a later one covered what came meanwhile.
  expect(queue.get(embedTask!.id)!.state).toBe('succeeded');
  // And the newest model was trained on the labels as they were after the late pictures.
  expect(app.services.store.runs.trainedLabelsVersion(datasetId)).toBe(labelsVersion);
  expect(pipeline.sweep()).toEqual({ refreshed: 0, retrained: 0 });
});
