import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDefaultBackbone, writeInt8Backbone } from '../../src/main/vision/node/convert/default-backbone';
import { InferenceEngine } from '../../src/main/vision/node/inference/engine';
import { decodeModel, DataType } from '../../src/main/vision/node/onnx/onnx-proto';
import { preprocessImage } from '../../src/main/vision/node/preprocess/preprocess';
import { halves, noiseJpeg, solid } from './helpers/images';

// The int8 variant: QDQ graph, run quantized by the engine, embeddings close to float ones.

let float: InferenceEngine;
let int8: InferenceEngine;
let int8Path: string;
let images: Buffer[];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-int8-'));
  const f = writeDefaultBackbone(dir);
  images = [
    await noiseJpeg(800, 600, 3),
    await (await halves([200, 40, 40], [40, 40, 200], 400, 300)).jpeg().toBuffer(),
    await solid('#7a9a3a', 200, 200),
    await noiseJpeg(640, 640, 9),
  ];
  const pixels = await Promise.all(images.map((i) => preprocessImage(i, { width: 224, height: 224 })));
  const calibration = [new ort.Tensor('uint8', Buffer.concat(pixels), [pixels.length, 224, 224, 3])];
  const q = await writeInt8Backbone(dir, calibration, { offered: true, note: 'test' });
  int8Path = q.modelPath;
  float = await InferenceEngine.open({ modelPath: f.modelPath, threads: 1 });
  int8 = await InferenceEngine.open({ modelPath: q.modelPath, threads: 1 });
}, 150_000);

afterAll(async () => {
  await float?.close();
  await int8?.close();
});

describe('int8 static quantization', () => {
  it('writes a QDQ graph with int8 weights and a card that says so', () => {
    const m = decodeModel(readFileSync(int8Path));
    expect(m.graph.node.some((n) => n.opType === 'QuantizeLinear')).toBe(true);
    expect(m.graph.node.some((n) => n.opType === 'BatchNormalization')).toBe(false);
    expect(m.graph.initializer.some((t) => t.dataType === DataType.INT8)).toBe(true);
    expect(int8.card.quantization).toBe('int8-static');
    expect(int8.report().backboneId).not.toBe(float.report().backboneId);
  });

  it('gives embeddings close to the float backbone', async () => {
    const [a, b] = await Promise.all([float.embed(images), int8.embed(images)]);
    a.forEach((ra, i) => {
      const rb = b[i];
      if (!ra.ok || !rb.ok) throw new Error('expected embeddings');
      let dot = 0,
        na = 0,
        nb = 0;
      for (let j = 0; j < ra.embedding.length; j++) {
        dot += ra.embedding[j] * rb.embedding[j];
        na += ra.embedding[j] ** 2;
        nb += rb.embedding[j] ** 2;
      }
      expect(dot / Math.sqrt(na * nb)).toBeGreaterThan(0.98);
    });
  });
});
