import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { findModelsDir } from '../../src/main/services/vision/backbone';
import { DEFAULT_INT8_CARD, INT8_MODEL_FILE } from '../../src/main/vision/index';
import { decodeModel } from '../../src/main/vision/node/onnx/onnx-proto';
import type { Image, Model } from '../../src/shared/contract/index';
import { call } from '../api/client';
import { kindPictures, waitFor } from './vision-pictures';

/*
 * The int8 backbone as the default, over a real SQLite file, real onnxruntime and real HTTP:
 * a data folder whose pictures were embedded and trained on with float, reopened once the
 * int8 build is installed, re-embeds every picture for int8 and retrains, and no head ever
 * reads vectors of the other build. Each model's card (GET /v1/models/:id and the exported
 * ONNX) names the build that embedded its training vectors: id, file hash, float or int8.
 */

const installed = findModelsDir()!;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

let dir: string;
let modelsDir: string;
let app: LoupeApp | null = null;
let base: string;

async function open(): Promise<void> {
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { debounceMs: 200, modelsDir } });
  base = (await app.listen()).url;
}

async function get<T>(path: string): Promise<T> {
  const r = await call(base, 'GET', path, { token: app!.token });
  expect(r.status, r.text).toBe(200);
  return r.json as T;
}

/** The dataset's newest model once it runs on the app's backbone and has predicted every picture. */
async function settled(datasetId: string, count: number): Promise<Model> {
  return waitFor(
    async () => {
      const newest = app!.services.store.models.latest(datasetId);
      if (!newest || newest.backbone !== app!.services.vision.backbone.id) return undefined;
      const page = await get<{ items: Image[] }>(`/v1/datasets/${datasetId}/images?limit=100`);
      if (page.items.length !== count || !page.items.every((i) => i.prediction?.modelId === String(newest.id))) return undefined;
      return get<Model>(`/v1/models/${newest.id}`);
    },
    'a model on the current backbone predicting every picture',
    120_000,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-switch-'));
  modelsDir = join(dir, 'models');
  mkdirSync(modelsDir);
  // An install from before the int8 default: only the float build.
  for (const f of ['mobilenet_v2.json', 'mobilenet_v2.onnx']) copyFileSync(join(installed, f), join(modelsDir, f));
  await open();
});

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('switching the default backbone from float to int8', () => {
  let datasetId: string;
  let floatModel: Model;

  it('a float-only install embeds and trains with float, and says why int8 is not used', async () => {
    const health = await get<{ backboneVariant: string; backboneNote: string | null }>('/v1/health');
    expect(health.backboneVariant).toBe('float');
    expect(health.backboneNote).toMatch(/int8 backbone is not built/);

    datasetId = app!.services.library.createDataset('colours').id;
    const pics = [
      ...(await kindPictures('red', 6, 1)).map((bytes, i) => ({ name: `red-${i}.png`, bytes, label: 'red' })),
      ...(await kindPictures('blue', 6, 1)).map((bytes, i) => ({ name: `blue-${i}.png`, bytes, label: 'blue' })),
      ...(await kindPictures('red', 3, 500)).map((bytes, i) => ({ name: `u-red-${i}.png`, bytes })),
      ...(await kindPictures('blue', 3, 500)).map((bytes, i) => ({ name: `u-blue-${i}.png`, bytes })),
    ];
    await app!.services.library.upload(datasetId, pics);
    floatModel = await settled(datasetId, 18);
    expect(floatModel.embeddedWith).toEqual({ backbone: floatModel.backbone, sha256: sha256(join(modelsDir, 'mobilenet_v2.onnx')), variant: 'float' });
    // Pinned by the person: a pin must not keep a model that can no longer run after the switch.
    const pin = await call(base, 'PUT', `/v1/datasets/${datasetId}/active-model`, {
      token: app!.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ modelId: floatModel.id }),
    });
    expect(pin.status, pin.text).toBe(200);
    await app!.close();
    app = null;
  }, 180_000);

  it('reopened with the int8 build installed, re-embeds every picture for int8 and retrains, mixing no vectors', async () => {
    for (const f of [DEFAULT_INT8_CARD, INT8_MODEL_FILE]) copyFileSync(join(installed, f), join(modelsDir, f));
    await open();
    const health = await get<{ backboneVariant: string; backboneId: string; backboneNote: string | null }>('/v1/health');
    expect(health.backboneVariant).toBe('int8');
    expect(health.backboneNote).toBeNull();
    expect(health.backboneId).not.toBe(floatModel.backbone);

    // The float model cannot be applied to int8 vectors: asked directly, it says to retrain.
    const refused = await call(base, 'POST', `/v1/models/${floatModel.id}/predict`, {
      token: app!.token,
      headers: { 'content-type': 'image/png' },
      body: (await kindPictures('red', 1, 900))[0],
    });
    expect(refused.status).toBe(409);
    expect(refused.text).toMatch(/Retrain/);

    // The start-up sweep alone: re-embeds with int8, retrains, and the new model replaces the
    // pinned float one (which predicts nothing any more) and predicts every picture.
    const int8Model = await settled(datasetId, 18);
    expect(int8Model.id).not.toBe(floatModel.id);
    const versions = await get<{ activeModelId: string; pinned: boolean }>(`/v1/datasets/${datasetId}/models`);
    expect(versions).toMatchObject({ activeModelId: int8Model.id, pinned: false });
    expect(int8Model.backbone).toBe(health.backboneId);
    expect(int8Model.embeddedWith).toEqual({ backbone: health.backboneId, sha256: sha256(join(modelsDir, INT8_MODEL_FILE)), variant: 'int8' });
    // The run learnt from every labelled picture, each with its int8 vector (the cache is per backbone id).
    const run = await get<{ backbone: string; counts: { images: number } }>(`/v1/runs/${int8Model.runId}`);
    expect(run).toMatchObject({ backbone: health.backboneId, counts: { images: 12 } });

    const db = new BetterSqlite3(join(dir, 'data', 'loupe.db'), { readonly: true });
    try {
      const perBackbone = db.prepare('SELECT backbone, count(*) AS n FROM embeddings GROUP BY backbone ORDER BY backbone').all() as Array<{
        backbone: string;
        n: number;
      }>;
      // Both builds' vectors kept apart: 18 each (switching back to float costs nothing).
      expect(perBackbone).toEqual(
        [
          { backbone: floatModel.backbone, n: 18 },
          { backbone: health.backboneId, n: 18 },
        ].sort((a, b) => a.backbone.localeCompare(b.backbone)),
      );
      // The int8 model predicted every picture; the float model's predictions are the 18 it made before the switch, none since.
      const byModel = db.prepare('SELECT model_id AS m, count(*) AS n FROM predictions GROUP BY model_id ORDER BY model_id').all();
      expect(byModel).toEqual([
        { m: Number(floatModel.id), n: 18 },
        { m: Number(int8Model.id), n: 18 },
      ]);
    } finally {
      db.close();
    }

    // The exported file's metadata names the same build.
    const exported = await call(base, 'GET', `/v1/models/${int8Model.id}/export`, { token: app!.token });
    expect(exported.status).toBe(200);
    const meta = Object.fromEntries((decodeModel(exported.body).metadataProps ?? []).map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({
      backbone: health.backboneId,
      backbone_quantization: 'int8-static',
      backbone_sha256: int8Model.embeddedWith!.sha256,
      backbone_variant: 'int8',
    });
  }, 240_000);
});
