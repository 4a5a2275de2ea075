// One forward pass: the head the trainer produces gives the same probabilities in the
// trainer's own validation pass, in predict() (what prediction, evaluation and selection use)
// and in the ONNX graph that export writes, run by a real onnxruntime session, on real
// embeddings of real pictures (Fashion-MNIST through the default backbone).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDefaultBackbone } from '../../src/main/vision/node/convert/default-backbone';
import { buildHeadModel } from '../../src/main/vision/node/export/head-graph';
import { InferenceEngine } from '../../src/main/vision/node/inference/engine';
import { predict } from '../../src/main/vision/pure/forward';
import type { HeadWeights } from '../../src/main/vision/pure/head';
import { trainHead } from '../../src/main/vision/pure/train';
import { fmnistPictures } from '../api/fmnist-pictures';
import { fmnistAvailable } from './fixtures-fmnist';

let dir: string;
let embeddings: Float32Array[];
let labels: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-export-head-'));
  const { modelPath } = writeDefaultBackbone(dir);
  const engine = await InferenceEngine.open({ modelPath, threads: 2 });
  try {
    const pictures = await fmnistPictures([0, 1, 7, 8], 12);
    embeddings = (await engine.embed(pictures.map((p) => p.bytes))).map((r) => {
      if (!r.ok) throw new Error(r.error.message);
      return r.embedding;
    });
    labels = pictures.map((p) => p.name);
  } finally {
    await engine.close();
  }
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Probabilities of the exported head graph alone, on the given embeddings. */
async function onnxProbabilities(head: HeadWeights, rows: Float32Array[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(buildHeadModel(head));
  try {
    const flat = new Float32Array(rows.length * head.inputDim);
    rows.forEach((r, i) => flat.set(r, i * head.inputDim));
    const out = await session.run({ embeddings: new ort.Tensor('float32', flat, [rows.length, head.inputDim]) });
    expect(out.probabilities.dims).toEqual([rows.length, head.labels.length]);
    return out.probabilities.data as Float32Array;
  } finally {
    await session.release();
  }
}

function argmax(p: Float32Array, K: number): number[] {
  return Array.from({ length: p.length / K }, (_, i) => {
    let best = 0;
    for (let k = 1; k < K; k++) if (p[i * K + k] > p[i * K + best]) best = k;
    return best;
  });
}

describe.skipIf(!fmnistAvailable())('one forward pass for training, prediction and export', () => {
  for (const kind of ['softmax', 'mlp'] as const) {
    it(`a trained ${kind} head: the exported ONNX head and predict() agree on real embeddings`, async () => {
      const result = await trainHead({ features: embeddings, labels }, { kind, hiddenUnits: 16, epochs: 8, seed: 3 });
      const head = result.head;
      const K = head.labels.length;
      expect(K).toBe(4);

      // Training's validation pass is the same forward pass as predict().
      const validation = result.validationIndices.map((i) => embeddings[i]);
      const fromPredict = predict(head, validation);
      expect(result.validationProbabilities.length).toBe(fromPredict.length);
      for (let j = 0; j < fromPredict.length; j++) expect(Math.abs(result.validationProbabilities[j] - fromPredict[j])).toBeLessThan(1e-6);

      // The exported graph, run by onnxruntime, on every picture.
      const want = predict(head, embeddings);
      const got = await onnxProbabilities(head, embeddings);
      let worst = 0;
      for (let j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs(got[j] - want[j]));
      expect(worst).toBeLessThan(1e-5);
      expect(argmax(got, K)).toEqual(argmax(want, K));
      // A head that learnt something: the comparison is not between two flat answers.
      const right = argmax(want, K).filter((k, i) => head.labels[k] === labels[i]).length;
      expect(right / labels.length).toBeGreaterThan(0.8);
    });
  }

  it('refuses to export a head the forward pass would refuse, with the export code', () => {
    const good: HeadWeights = {
      kind: 'softmax',
      inputDim: 2,
      mean: new Float32Array(2),
      std: Float32Array.of(1, 1),
      labels: ['a', 'b'],
      layers: [{ inDim: 2, outDim: 2, weight: Float32Array.of(1, 0, 0, 1), bias: new Float32Array(2), activation: 'none' }],
    };
    expect(() => buildHeadModel(good)).not.toThrow();
    const nan = { ...good, layers: [{ ...good.layers[0], bias: Float32Array.of(0, Number.NaN) }] };
    expect(() => predict(nan, [new Float32Array(2)])).toThrow(expect.objectContaining({ code: 'invalid_head' }));
    expect(() => buildHeadModel(nan)).toThrow(expect.objectContaining({ code: 'export_invalid', message: expect.stringContaining('bias contains NaN') }));
  });
});
