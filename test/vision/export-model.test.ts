import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDefaultBackbone } from '../../src/main/vision/node/convert/default-backbone';
import { VisionError } from '../../src/main/vision/pure/errors';
import { exportModel } from '../../src/main/vision/node/export/export-model';
import { predict } from '../../src/main/vision/pure/forward';
import type { HeadWeights } from '../../src/main/vision/pure/head';
import { InferenceEngine } from '../../src/main/vision/node/inference/engine';
import type { ModelCard } from '../../src/main/vision/node/inference/model-card';
import { GraphBuilder } from '../../src/main/vision/node/onnx/graph-builder';
import { decodeModel } from '../../src/main/vision/node/onnx/onnx-proto';
import { decodeUpright, preprocessImage } from '../../src/main/vision/node/preprocess/preprocess';
import { halves, noiseJpeg, solid } from './helpers/images';

let dir: string;
let modelPath: string;
let card: ModelCard;
let engine: InferenceEngine;
let images: Buffer[];
let embeddings: Float32Array[];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** A head with given hidden sizes, random weights, standardised on the embeddings at hand. */
function randomHead(dim: number, hidden: number[], labels: string[], seed: number): HeadWeights {
  const r = rng(seed);
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim).fill(1);
  for (let j = 0; j < dim; j++) {
    const col = embeddings.map((e) => e[j]);
    mean[j] = col.reduce((a, b) => a + b, 0) / col.length;
    std[j] = Math.sqrt(col.reduce((a, b) => a + (b - mean[j]) ** 2, 0) / col.length) + 0.05;
  }
  const sizes = [dim, ...hidden, labels.length];
  const layers = sizes.slice(1).map((outDim, i) => ({
    inDim: sizes[i],
    outDim,
    weight: Float32Array.from({ length: outDim * sizes[i] }, () => (r() * 2) / Math.sqrt(sizes[i])),
    bias: Float32Array.from({ length: outDim }, () => r() * 0.1),
    activation: (i < hidden.length ? 'relu' : 'none') as 'relu' | 'none',
  }));
  return { kind: hidden.length ? 'mlp' : 'softmax', inputDim: dim, mean, std, layers, labels };
}

async function exportedProbabilities(file: Buffer, pixels: Buffer[]): Promise<{ probs: Float32Array; session: ort.InferenceSession }> {
  // A fresh session with default options, as an outside user would open it.
  const session = await ort.InferenceSession.create(file);
  const out = await session.run({ image: new ort.Tensor('uint8', Buffer.concat(pixels), [pixels.length, 224, 224, 3]) });
  expect(out.probabilities.dims[0]).toBe(pixels.length);
  return { probs: out.probabilities.data as Float32Array, session };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-export-'));
  ({ modelPath, card } = writeDefaultBackbone(dir));
  engine = await InferenceEngine.open({ modelPath, threads: 2 });
  images = [
    await solid('#d02020', 300, 200),
    await (await halves([30, 200, 40], [250, 250, 250], 500, 400)).jpeg().toBuffer(),
    await noiseJpeg(640, 480, 7),
    await solid('#2040e0', 120, 160),
  ];
  embeddings = (await engine.embed(images)).map((r) => {
    if (!r.ok) throw new Error(r.error.message);
    return r.embedding;
  });
}, 120_000);

afterAll(async () => {
  await engine?.close();
});

describe('exportModel', () => {
  it('writes one ONNX file whose probabilities match the app (engine + head) for an MLP head', async () => {
    const labels = ['red thing', 'green thing', 'noise'];
    const head = randomHead(card.output.dim, [16], labels, 3);
    const file = await exportModel({ backbonePath: modelPath, card, head });
    writeFileSync(join(dir, 'classifier.onnx'), file);
    const pixels = await Promise.all(images.map((i) => preprocessImage(i, { width: 224, height: 224 })));
    const { probs, session } = await exportedProbabilities(readFileSync(join(dir, 'classifier.onnx')), pixels);
    expect(session.inputNames).toEqual(['image']);
    expect(session.outputNames).toEqual(['probabilities']);
    const meta = session.inputMetadata[0];
    expect(meta.isTensor && meta.type).toBe('uint8');
    // Any size: the file resizes inside, as the app does.
    expect(meta.isTensor && meta.shape.slice(1)).toEqual(['H', 'W', 3]);
    embeddings.forEach((e, n) => {
      const want = predict(head, [e]);
      const got = probs.subarray(n * 3, n * 3 + 3);
      expect(Math.abs(got.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      for (let k = 0; k < 3; k++) expect(Math.abs(got[k] - want[k])).toBeLessThan(1e-4);
    });
    // Weights are plain floats, so the file runs at full speed with any runtime's default options.
    expect(decodeModel(file).graph.node.some((n) => n.opType === 'DequantizeLinear')).toBe(false);
    const props = Object.fromEntries((decodeModel(file).metadataProps ?? []).map((p) => [p.key, p.value]));
    expect(JSON.parse(props.labels)).toEqual(labels);
    expect(props.backbone).toBe(card.id);
    expect(props.preprocessing).toMatch(/at its own size.*EXIF.*alpha onto white.*Do not resize/);
    await session.release();
  });

  it('given each picture at its own size, decoded only, answers exactly what the app answers', async () => {
    const labels = ['red thing', 'green thing', 'noise'];
    const head = randomHead(card.output.dim, [16], labels, 5);
    const session = await ort.InferenceSession.create(await exportModel({ backbonePath: modelPath, card, head }));
    for (const [n, picture] of images.entries()) {
      const d = await decodeUpright(picture, { side: 224 });
      const out = await session.run({ image: new ort.Tensor('uint8', d.pixels, [1, d.height, d.width, 3]) });
      const got = out.probabilities.data as Float32Array;
      const want = predict(head, [embeddings[n]]);
      for (let k = 0; k < 3; k++) expect(Math.abs(got[k] - want[k]), `picture ${n} (${d.width}×${d.height})`).toBeLessThan(1e-5);
    }
    await session.release();
  });

  it('exports a plain softmax head too, with labels given apart', async () => {
    const head = randomHead(card.output.dim, [], ['a', 'b'], 9);
    const file = await exportModel({ backbonePath: modelPath, card, head, labels: ['yes', 'no'] });
    const pixels = await Promise.all(images.slice(0, 2).map((i) => preprocessImage(i, { width: 224, height: 224 })));
    const { probs, session } = await exportedProbabilities(file, pixels);
    for (let n = 0; n < 2; n++) {
      const want = predict(head, [embeddings[n]]);
      for (let k = 0; k < 2; k++) expect(Math.abs(probs[n * 2 + k] - want[k])).toBeLessThan(1e-4);
    }
    expect(JSON.parse(decodeModel(file).metadataProps!.find((p) => p.key === 'labels')!.value)).toEqual(['yes', 'no']);
    await session.release();
  });

  it("puts a float32 NCHW backbone's normalisation and layout into the graph", async () => {
    const g = new GraphBuilder();
    g.input('pixel_values', 'float32', ['batch', 3, 224, 224]);
    const pooled = g.node('GlobalAveragePool', ['pixel_values'], 'pool');
    g.rename(g.node('Flatten', [pooled], 'flat', { axis: 1 }), 'embedding');
    g.output('embedding', 'float32', ['batch', 3]);
    const tinyPath = join(dir, 'tiny.onnx');
    writeFileSync(tinyPath, g.encode('tiny'));
    const tiny: ModelCard = {
      format: 'loupe-backbone-card/1',
      id: 'tiny',
      name: 'tiny',
      file: 'tiny.onnx',
      input: {
        name: 'pixel_values',
        dtype: 'float32',
        layout: 'NCHW',
        width: 224,
        height: 224,
        channels: 3,
        normalize: { mean: [10, 20, 30], std: [2, 4, 5] },
        normalizeInGraph: false,
      },
      output: { name: 'embedding', dim: 3 },
    };
    const head: HeadWeights = {
      kind: 'softmax',
      inputDim: 3,
      mean: new Float32Array(3),
      std: Float32Array.of(10, 10, 10),
      labels: ['r', 'g', 'b'],
      layers: [{ inDim: 3, outDim: 3, weight: Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), bias: new Float32Array(3), activation: 'none' }],
    };
    const file = await exportModel({ backbonePath: tinyPath, card: tiny, head });
    const px = await preprocessImage(await solid('#6e4c82', 40, 40), { width: 224, height: 224 }); // (110, 76, 130)
    const { probs, session } = await exportedProbabilities(file, [px]);
    const want = predict(head, [Float32Array.of(50, 14, 20)]);
    for (let k = 0; k < 3; k++) expect(Math.abs(probs[k] - want[k])).toBeLessThan(1e-5);
    await session.release();
  });

  it('refuses a head that does not fit the backbone or its labels', async () => {
    const bad = async (h: HeadWeights, labels?: string[]): Promise<string> => {
      const err = await exportModel({ backbonePath: modelPath, card, head: h, labels }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(VisionError);
      return (err as VisionError).code;
    };
    const head = randomHead(card.output.dim, [], ['a', 'b'], 1);
    expect(await bad({ ...head, inputDim: 10 })).toBe('export_invalid');
    expect(await bad(head, ['only one'])).toBe('export_invalid');
    expect(await bad({ ...head, std: new Float32Array(card.output.dim) })).toBe('export_invalid');
    const err = await exportModel({ backbonePath: join(dir, 'missing.onnx'), card, head }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as VisionError).code).toBe('export_invalid');
  });
});
