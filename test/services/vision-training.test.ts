import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import type { Run } from '../../src/shared/contract/index';
import { DEFAULT_DUPLICATE_THRESHOLD, preprocessImage } from '../../src/main/vision/index';
import { kindPicture, kindPictures, waitFor, writeKind } from './vision-pictures';

let dir: string;
let app: LoupeApp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-vision-svc-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { debounceMs: 150 } });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const vision = () => app.services.vision;
const library = () => app.services.library;

async function uploadKinds(datasetId: string, perKind: number, firstSeed = 1) {
  const files = [
    ...(await kindPictures('red', perKind, firstSeed)).map((bytes, i) => ({ name: `red-${i}.png`, bytes, label: 'red' })),
    ...(await kindPictures('blue', perKind, firstSeed)).map((bytes, i) => ({ name: `blue-${i}.png`, bytes, label: 'blue' })),
  ];
  return library().upload(datasetId, files);
}

async function finished(runId: string): Promise<Run> {
  return waitFor(() => {
    const r = vision().training.get(runId);
    return r.status === 'queued' || r.status === 'running' ? undefined : r;
  }, `run ${runId} to finish`);
}

function embeddingRows(): number {
  return (app.services.store.db.prepare('SELECT COUNT(*) AS n FROM embeddings').get() as { n: number }).n;
}

describe('learning while labelling', () => {
  let datasetId: string;
  let modelId: string;

  it('embeds imported pictures and retrains on its own after labels arrive', async () => {
    datasetId = library().createDataset('colours').id;
    const events: Run[] = [];
    const off = app.bus.subscribe((event, payload) => {
      if (event === 'run.updated') events.push(payload as Run);
    });
    await uploadKinds(datasetId, 8);
    const run = await waitFor(() => {
      const page = vision().records.listRuns(datasetId, 10);
      const done = page.items.find((r) => r.status === 'succeeded');
      return done;
    }, 'an automatic run');
    off();
    expect(run.trigger).toBe('auto');
    expect(run.metrics!.accuracy).toBeGreaterThanOrEqual(0.99);
    expect(Object.keys(run.metrics!.perClass).sort()).toEqual(['blue', 'red']);
    expect(run.metrics!.confusion.labels).toEqual(['blue', 'red']);
    expect(run.history.length).toBeGreaterThan(0);
    expect(run.history.every((p) => Number.isFinite(p.trainLoss))).toBe(true);
    expect(run.counts!.images).toBe(16);
    // Live curves: epochs were announced while the run was running.
    expect(events.some((e) => e.id === run.id && e.status === 'running' && e.history.length > 0)).toBe(true);
    expect(embeddingRows()).toBe(16);
    modelId = run.modelId!;
    expect(vision().models.get(modelId)).toMatchObject({ labels: ['blue', 'red'], version: 1, datasetId });
  });

  it('never recomputes a cached embedding when retraining', async () => {
    const before = embeddingRows();
    // Nothing changed since the last run: only a forced "Train now" runs again.
    expect(() => vision().startTraining(datasetId)).toThrow(/Nothing changed since/);
    const { runId } = vision().startTraining(datasetId, {}, true);
    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    expect(embeddingRows()).toBe(before);
    expect((await vision().embedDataset(datasetId)).computed).toBe(0);
    expect(vision().models.get(run.modelId!).version).toBeGreaterThan(1);
  });

  it('predicts the right label for pictures it has not seen', async () => {
    const red = await kindPicture('red', 900);
    const blue = await kindPicture('blue', 901);
    const [r, b] = await vision().prediction.predict(modelId, [
      { name: 'red', input: red },
      { name: 'blue', input: blue },
    ]);
    expect(r[0].label).toBe('red');
    expect(b[0].label).toBe('blue');
    expect(r[0].confidence).toBeGreaterThan(r[1].confidence);
  });

  it('names the picture it cannot read', async () => {
    await expect(vision().prediction.predict(modelId, [{ name: 'broken.png', input: Buffer.from('not a picture') }])).rejects.toMatchObject({
      message: expect.stringContaining('broken.png'),
    });
  });

  it('sorts the Library by prediction, ranks unlabelled pictures and finds near duplicates', async () => {
    const extra = [await kindPicture('red', 500), await kindPicture('blue', 501)];
    // The same picture at the model's input size, made by the app's own resize: a near duplicate
    // of the first red one. (These pictures are mostly pixel noise, the worst case for a copy
    // resized by another resampler: at 80 px its texture reaches the model at another scale.)
    const dup = await sharp(await preprocessImage(extra[0], { width: 224, height: 224 }), { raw: { width: 224, height: 224, channels: 3 } })
      .png()
      .toBuffer();
    const up = await library().upload(datasetId, [
      { name: 'u1.png', bytes: extra[0] },
      { name: 'u2.png', bytes: extra[1] },
      { name: 'u3.png', bytes: dup },
    ]);
    await vision().embedDataset(datasetId);
    const preds = vision().selection.predictions({ datasetId, sort: 'confidence', order: 'asc', limit: 100, unlabelledOnly: true });
    expect(preds.items.map((i) => i.id).sort()).toEqual(up.items.map((i) => i.id).sort());
    expect(preds.items[0].confidence).toBeLessThanOrEqual(preds.items[2].confidence);
    const byId = new Map(preds.items.map((i) => [i.id, i]));
    expect(byId.get(up.items[1].id)!.predicted).toBe('blue');
    const next = vision().selection.labelNext(datasetId, 10);
    expect(next.items.map((i) => i.id).sort()).toEqual(up.items.map((i) => i.id).sort());
    const groups = vision().selection.nearDuplicates(datasetId, DEFAULT_DUPLICATE_THRESHOLD).groups;
    const group = groups.find((g) => g.members.some((m) => m.id === up.items[0].id));
    // The larger copy is kept; the original is its closest match.
    expect(group?.keeper).toBe(up.items[2].id);
    expect(group?.members[1].id).toBe(up.items[0].id);
    expect(group!.members[1].similarity).toBeGreaterThan(DEFAULT_DUPLICATE_THRESHOLD);
  });

  it('classifies a folder into a CSV as a task', async () => {
    const folder = join(dir, 'inbox');
    await writeKind(folder, 'red', 2, 700);
    await writeKind(join(folder, 'sub'), 'blue', 2, 710);
    const task = vision().predictFolder({ modelId, path: folder });
    const done = await waitFor(() => {
      const t = app.services.tasks.get(task.id);
      return t.state === 'succeeded' || t.state === 'dead' ? t : undefined;
    }, 'the predict-folder task');
    expect(done.state).toBe('succeeded');
    const lines = readFileSync(join(folder, 'predictions.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('"path","label","confidence","error"');
    expect(lines).toHaveLength(5);
    for (const line of lines.slice(1)) {
      const [path, label] = line.split(',').map((cell) => cell.slice(1, -1));
      expect(label).toBe(path.includes('red-') ? 'red' : 'blue');
    }
  });

  it('cancels a queued run', async () => {
    const a = vision().startTraining(datasetId, {}, true);
    const b = vision().startTraining(datasetId, {}, true);
    const cancelled = vision().training.cancel(b.runId);
    expect(cancelled.status).toBe('cancelled');
    expect((await finished(a.runId)).status).toBe('succeeded');
    expect(vision().training.get(b.runId).status).toBe('cancelled');
  });
});

describe('training that cannot work says why', () => {
  it('refuses one label with a clear message, not NaN', async () => {
    const id = library().createDataset('one label').id;
    const pics = await kindPictures('red', 3, 40);
    await library().upload(
      id,
      pics.map((bytes, i) => ({ name: `r${i}.png`, bytes, label: 'cat' })),
    );
    const run = await finished(vision().startTraining(id).runId);
    expect(run.status).toBe('failed');
    expect(run.error!.code).toBe('too_few_labels');
    expect(run.error!.message).toMatch(/two labels/);
    expect(run.metrics).toBeNull();
  });

  it('refuses a label of a single picture, naming it', async () => {
    const id = library().createDataset('tiny label').id;
    const reds = await kindPictures('red', 3, 60);
    const blue = await kindPicture('blue', 60);
    await library().upload(id, [...reds.map((bytes, i) => ({ name: `r${i}.png`, bytes, label: 'red' })), { name: 'b.png', bytes: blue, label: 'lonely' }]);
    const run = await finished(vision().startTraining(id).runId);
    expect(run.status).toBe('failed');
    expect(run.error!.code).toBe('label_too_small');
    expect(run.error!.message).toContain('lonely');
  });
});

describe('durability', () => {
  it('a run cut off by a shutdown finishes after the next start', async () => {
    const data = join(dir, 'restart-data');
    let first = await createApp({ dataDir: data, shell: 'headless', log: () => {}, vision: { autoTrain: false } });
    const id = first.services.library.createDataset('restart').id;
    const files = [
      ...(await kindPictures('red', 4, 80)).map((bytes, i) => ({ name: `r${i}.png`, bytes, label: 'red' })),
      ...(await kindPictures('blue', 4, 80)).map((bytes, i) => ({ name: `b${i}.png`, bytes, label: 'blue' })),
    ];
    await first.services.library.upload(id, files);
    const { runId } = first.services.vision.startTraining(id);
    await first.close();
    first = await createApp({ dataDir: data, shell: 'headless', log: () => {}, vision: { autoTrain: false } });
    try {
      const run = await waitFor(() => {
        const r = first.services.vision.training.get(runId);
        return r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
      }, 'the interrupted run');
      expect(run.status).toBe('succeeded');
      expect(run.modelId).not.toBeNull();
    } finally {
      await first.close();
    }
  });
});
