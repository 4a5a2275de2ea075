import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackboneHost, findModelsDir } from '../../src/main/services/vision/backbone';
import { DEFAULT_INT8_CARD, INT8_MODEL_FILE, pickDefaultBackbone, trainHead } from '../../src/main/vision/index';
import { InferenceEngine } from '../../src/main/vision/node/inference/engine';
import { FASHION_LABELS, heldOutAccuracy, readIdxImages, readIdxLabels, shuffledIndices } from '../../bench/vision/fashion-mnist';

/*
 * The int8 backbone is the default that `npm run models` (and postinstall) builds in models/:
 * a real onnxruntime session runs the built file, and its accuracy on real Fashion-MNIST
 * pictures (a linear head on its features) holds against the float build's, checked here on
 * a small split (bench/vision/quant-check.ts records the full 2000/1000 one in
 * src/main/vision/node/convert/int8-check.json, which the build copies into the int8 card).
 */

const modelsDir = findModelsDir();
let float: InferenceEngine;
let int8: InferenceEngine;

/** Fashion-MNIST TRAIN pictures as PNG bytes (the seed-6 shuffle's first ones; the test set stays unused). */
async function fashion(from: number, count: number): Promise<{ png: Buffer[]; labels: string[] }> {
  const imgs = readIdxImages('train');
  const labels = readIdxLabels('train');
  const order = shuffledIndices(60000, 6).slice(from, from + count);
  const px = imgs.rows * imgs.cols;
  const png = await Promise.all(
    order.map((i) =>
      sharp(Buffer.from(imgs.pixels.subarray(i * px, (i + 1) * px)), { raw: { width: imgs.cols, height: imgs.rows, channels: 1 } })
        .png()
        .toBuffer(),
    ),
  );
  return { png, labels: order.map((i) => FASHION_LABELS[labels[i]]) };
}

async function features(engine: InferenceEngine, png: Buffer[]): Promise<Float32Array> {
  const results = await engine.embed(png);
  const dim = engine.card.output.dim;
  const out = new Float32Array(results.length * dim);
  results.forEach((r, i) => {
    if (!r.ok) throw new Error(r.error.message);
    out.set(r.embedding, i * dim);
  });
  return out;
}

beforeAll(async () => {
  if (!modelsDir) throw new Error('No models/: run `npm run models`.');
  const picked = pickDefaultBackbone(modelsDir);
  float = await InferenceEngine.open({ modelPath: pickDefaultBackbone(modelsDir, 'float').modelPath, threads: 2 });
  int8 = await InferenceEngine.open({ modelPath: picked.modelPath, threads: 2 });
}, 120_000);

afterAll(async () => {
  await float?.close();
  await int8?.close();
});

describe('the int8 default backbone', () => {
  it('is what `npm run models` built and the app picks, run quantized by a real onnxruntime session', async () => {
    const picked = pickDefaultBackbone(modelsDir!);
    expect(picked.note, 'int8 should be built where Fashion-MNIST is installed').toBeNull();
    expect(picked.variant).toBe('int8');
    expect(picked.modelPath).toBe(join(modelsDir!, INT8_MODEL_FILE));
    expect(int8.card.quantization).toBe('int8-static');
    expect(int8.report().backboneId).toMatch(/^mobilenet_v2-nsfwjs-int8-[0-9a-f]{12}\+/);
    expect(int8.report().backboneId).not.toBe(float.report().backboneId);
    const [r] = await int8.embed([(await fashion(0, 1)).png[0]]);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.embedding).toHaveLength(1536);
    expect(r.embedding.every(Number.isFinite)).toBe(true);
    expect(r.embedding.some((v) => v !== 0)).toBe(true);
  });

  it('holds its accuracy against float on real Fashion-MNIST pictures with a linear head', async () => {
    const fit = await fashion(0, 300);
    const val = await fashion(300, 300);
    const accuracy = async (engine: InferenceEngine): Promise<number> => {
      const { head } = await trainHead({ features: await features(engine, fit.png), labels: fit.labels }, { kind: 'softmax', seed: 1 });
      return heldOutAccuracy(head, await features(engine, val.png), val.labels);
    };
    const floatAcc = await accuracy(float);
    const int8Acc = await accuracy(int8);
    // The recorded check allows one point on 1000 pictures; 300 make a point about 3 pictures, so two points here.
    expect(floatAcc).toBeGreaterThan(0.7);
    expect(int8Acc).toBeGreaterThanOrEqual(floatAcc - 0.02);
  }, 300_000);

  it('falls back to float, saying why, when the int8 card carries a failed check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-int8-failed-'));
    try {
      for (const f of ['mobilenet_v2.json', 'mobilenet_v2.onnx', INT8_MODEL_FILE]) copyFileSync(join(modelsDir!, f), join(dir, f));
      const card = JSON.parse(readFileSync(join(modelsDir!, DEFAULT_INT8_CARD), 'utf8')) as { selection: Record<string, unknown> };
      card.selection.int8Check = { ...(card.selection.int8Check as object), int8ValAccuracy: 0.71, floatValAccuracy: 0.858, offered: false };
      writeFileSync(join(dir, DEFAULT_INT8_CARD), JSON.stringify(card));
      const host = new BackboneHost(dir);
      expect(host.status()).toMatchObject({
        state: 'ready',
        variant: 'float',
        note: expect.stringMatching(/int8 backbone failed its accuracy check \(validation accuracy 0\.71 against 0\.858/),
      });
      expect(host.embeddedWith?.variant).toBe('float');
      expect(host.id).toMatch(/^mobilenet_v2-nsfwjs-[0-9a-f]{12}\+/);

      // No int8 build at all (no Fashion-MNIST where it was installed): float, and the note says how to get int8.
      rmSync(join(dir, DEFAULT_INT8_CARD));
      expect(new BackboneHost(dir).status()).toMatchObject({ variant: 'float', note: expect.stringMatching(/not built.*npm run models/) });
      // LOUPE_BACKBONE=float: float, no note (it is what was asked for).
      expect(new BackboneHost(modelsDir!, 2, undefined, 'float').status()).toMatchObject({ variant: 'float', note: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
