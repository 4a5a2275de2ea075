import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { exportLatestModel, safeFileBase } from '../../src/main/services/vision/index';
import { preprocessImage } from '../../src/main/vision/index';
import { decodeModel } from '../../src/main/vision/node/onnx/onnx-proto';
import { kindPicture, kindPictures, waitFor } from './vision-pictures';

// The desktop's File › Export model… without Electron: electron.ts only supplies the save
// dialog, so the same function runs here on a real dataset, a real trained model and a
// real ONNX session.

let dir: string;
let app: LoupeApp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-export-menu-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function trained(name: string): Promise<{ datasetId: string; modelId: string }> {
  const datasetId = app.services.library.createDataset(name).id;
  await app.services.library.upload(datasetId, [
    ...(await kindPictures('red', 6, 1)).map((bytes, i) => ({ name: `red-${i}.png`, bytes, label: 'red' })),
    ...(await kindPictures('blue', 6, 1)).map((bytes, i) => ({ name: `blue-${i}.png`, bytes, label: 'blue' })),
  ]);
  const { runId } = app.services.vision.startTraining(datasetId);
  const run = await waitFor(() => {
    const r = app.services.vision.training.get(runId);
    return r.status === 'queued' || r.status === 'running' ? undefined : r;
  }, 'the run');
  expect(run.status).toBe('succeeded');
  return { datasetId, modelId: run.modelId! };
}

describe('File › Export model…', () => {
  it('says plainly that there is nothing to export before any dataset or model exists', async () => {
    const pickPath = () => Promise.reject(new Error('no dialog should open'));
    await expect(exportLatestModel(app.services, { chosenDatasetId: null, defaultDir: dir, pickPath })).rejects.toThrow(/There is no dataset yet/);
    const id = app.services.library.createDataset('Empty: no model').id;
    await expect(exportLatestModel(app.services, { chosenDatasetId: id, defaultDir: dir, pickPath })).rejects.toThrow(/“Empty: no model” has no model yet/);
    await app.services.library.deleteDataset(id);
  });

  it('writes the shown dataset’s newest model where the person picks, as an ONNX file that classifies', async () => {
    const other = await trained('Other');
    const shown = await trained('Red / blue: v1');
    const asked: string[] = [];
    const target = join(dir, 'picked', 'model.onnx');
    const r = await exportLatestModel(app.services, {
      chosenDatasetId: shown.datasetId,
      defaultDir: join(dir, 'Documents'),
      pickPath: (p) => {
        asked.push(p);
        return Promise.resolve(target);
      },
    });
    // The dialog starts in Documents with a name a file system takes.
    expect(asked).toEqual([join(dir, 'Documents', `Red - blue- v1-model-${shown.modelId}.onnx`)]);
    expect(r).toMatchObject({ path: target, modelId: shown.modelId, dataset: { id: shown.datasetId } });
    expect(r!.bytes).toBe(readFileSync(target).length);
    expect(r!.modelId).not.toBe(other.modelId);

    const props = Object.fromEntries((decodeModel(readFileSync(target)).metadataProps ?? []).map((p) => [p.key, p.value]));
    expect(JSON.parse(props.labels)).toEqual(['blue', 'red']);
    const session = await ort.InferenceSession.create(target);
    try {
      const pixels = await preprocessImage(await kindPicture('blue', 500), { width: 224, height: 224 });
      const out = await session.run({ image: new ort.Tensor('uint8', new Uint8Array(pixels), [1, 224, 224, 3]) });
      const p = out.probabilities.data as Float32Array;
      expect(p).toHaveLength(2);
      expect(p[0]).toBeGreaterThan(p[1]);
    } finally {
      await session.release();
    }
  });

  it('falls back to the first dataset when the window names none or one that is gone, and writes nothing on cancel', async () => {
    const first = app.services.library.listDatasets()[0];
    const latest = app.services.vision.records.latestModel(first.id)!;
    let offered = '';
    const r = await exportLatestModel(app.services, {
      chosenDatasetId: '999999',
      defaultDir: dir,
      pickPath: (p) => {
        offered = p;
        return Promise.resolve(null);
      },
    });
    expect(r).toBeNull();
    expect(offered).toBe(join(dir, `${safeFileBase(first.name)}-model-${latest.id}.onnx`));
    expect(existsSync(offered)).toBe(false);
  });
});
