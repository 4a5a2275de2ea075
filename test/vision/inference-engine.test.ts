import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDefaultBackbone } from '../../src/main/vision/node/convert/default-backbone';
import { VisionError } from '../../src/main/vision/pure/errors';
import { listBackbones } from '../../src/main/vision/node/inference/backbones';
import { InferenceEngine } from '../../src/main/vision/node/inference/engine';
import { defaultThreads } from '../../src/main/vision/node/inference/providers';
import type { ModelCard } from '../../src/main/vision/node/inference/model-card';
import { GraphBuilder } from '../../src/main/vision/node/onnx/graph-builder';
import { preprocessImage } from '../../src/main/vision/node/preprocess/preprocess';
import { bombPng, halves, noiseJpeg, solid } from './helpers/images';
import { PIXELS_VERSION } from '../../src/main/vision/node/preprocess/resize-graph';

let dir: string;
let modelPath: string;
let card: ModelCard;
let engine: InferenceEngine;

async function openError(p: Promise<unknown>): Promise<VisionError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VisionError);
  return err as VisionError;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-engine-'));
  ({ modelPath, card } = writeDefaultBackbone(dir));
  engine = await InferenceEngine.open({ modelPath, threads: 2 });
}, 120_000);

afterAll(async () => {
  await engine?.close();
});

describe('InferenceEngine on the default backbone', () => {
  it('reports the provider that runs, what was tried, and the backbone', () => {
    const r = engine.report();
    expect(r.provider).toBe('cpu');
    expect(r.attempts.at(-1)).toEqual({ provider: 'cpu', ok: true });
    if (process.platform === 'linux') expect(r.attempts[0].provider).toBe('cuda');
    // The id names the network and how pixels reach it.
    expect(r.backboneId).toBe(`${card.id}+${PIXELS_VERSION}`);
    expect(r.featureDim).toBe(card.output.dim);
    expect(r.threads).toBe(2);
  });

  it('leaves a core to decoding from three cores up, and uses both of two', () => {
    // On two cores an idle second core cost a quarter of an import's speed on small pictures;
    // from three up, ORT threads that fill every core stall whenever a decode holds one.
    expect([1, 2, 3, 4, 6, 16].map((cores) => defaultThreads(cores))).toEqual([1, 2, 2, 3, 4, 4]);
  });

  it('embeds a mixed batch in order: good images get vectors, bad ones error values', async () => {
    const red = await solid('#ff0000');
    const jpeg = await noiseJpeg(1200, 900);
    const path = join(dir, 'photo.jpg');
    writeFileSync(path, jpeg);
    const progress: number[] = [];
    const res = await engine.embed([red, Buffer.alloc(0), path, Buffer.from('not an image'), jpeg, bombPng(), join(dir, 'nope.png')], {
      onProgress: (done, total) => {
        expect(total).toBe(7);
        progress.push(done);
      },
    });
    expect(res.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'image_empty', 'ok', 'image_unsupported', 'ok', 'image_too_large', 'image_not_found']);
    expect(progress.at(-1)).toBe(7);
    const a = res[2];
    const b = res[4];
    if (!a.ok || !b.ok || !res[0].ok) throw new Error('expected embeddings');
    expect(a.embedding.length).toBe(card.output.dim);
    expect(a.embedding.every(Number.isFinite)).toBe(true);
    // Same picture from a path and from bytes: same vector; a different picture: a different one.
    expect(Math.max(...a.embedding.map((v, i) => Math.abs(v - b.embedding[i])))).toBeLessThan(1e-4);
    expect(Math.max(...a.embedding.map((v, i) => Math.abs(v - (res[0] as { embedding: Float32Array }).embedding[i])))).toBeGreaterThan(1e-2);
  });

  it('gives the vector that the bare model gives on the documented preprocessing', async () => {
    const img = await (await halves([20, 160, 90], [200, 30, 60], 640, 480)).png().toBuffer();
    const [r] = await engine.embed([img]);
    if (!r.ok) throw new Error(r.error.message);
    const rgb = await preprocessImage(img, { width: 224, height: 224 });
    const s = await ort.InferenceSession.create(readFileSync(modelPath), {
      extra: { 'session.disable_quant_qdq': '1' },
    } as ort.InferenceSession.SessionOptions);
    const out = await s.run({ image: new ort.Tensor('uint8', rgb, [1, 224, 224, 3]) });
    const ref = out.features.data as Float32Array;
    expect(Math.max(...r.embedding.map((v, i) => Math.abs(v - ref[i])))).toBeLessThan(1e-4);
    // Preprocessed pixels may be handed in directly.
    const [p] = await engine.embed([{ pixels: rgb }]);
    expect(p.ok && Math.max(...p.embedding.map((v, i) => Math.abs(v - ref[i])))).toBeLessThan(1e-4);
    await s.release();
  });

  it('batches concurrent callers together and keeps each caller its own results', async () => {
    const imgs = await Promise.all(['#102030', '#c0a040', '#30d0f0', '#ffffff'].map((c) => solid(c, 50, 50)));
    const [x, y] = await Promise.all([engine.embed(imgs.slice(0, 2)), engine.embed(imgs.slice(2))]);
    const [alone] = await engine.embed([imgs[3]]);
    expect(x).toHaveLength(2);
    expect(y).toHaveLength(2);
    if (!y[1].ok || !alone.ok) throw new Error('expected embeddings');
    expect(Math.max(...y[1].embedding.map((v, i) => Math.abs(v - alone.embedding[i])))).toBeLessThan(1e-4);
  });

  it('keeps up with many inputs through small batches without stalling', async () => {
    const e = await InferenceEngine.open({ modelPath, threads: 1, maxBatch: 3, decodeConcurrency: 2 });
    try {
      const colours = Array.from({ length: 25 }, (_, i) =>
        solid(`#${(i * 10).toString(16).padStart(2, '0')}${(255 - i * 10).toString(16).padStart(2, '0')}80`, 30, 30),
      );
      const imgs = await Promise.all(colours);
      const res = await e.embed([...imgs, ...imgs]);
      expect(res.every((r) => r.ok)).toBe(true);
      const a = res[7];
      const b = res[32];
      if (!a.ok || !b.ok) throw new Error('expected embeddings');
      expect(Math.max(...a.embedding.map((v, i) => Math.abs(v - b.embedding[i])))).toBeLessThan(1e-4);
    } finally {
      await e.close();
    }
  });

  it('recovers when its inference thread dies', async () => {
    const e = await InferenceEngine.open({ modelPath, threads: 1 });
    try {
      await (e as any).session.worker.terminate();
      const [r] = await e.embed([await solid('#336699')]);
      expect(r.ok).toBe(true);
      expect(e.report().provider).toBe('cpu');
      expect(e.report().attempts.some((a) => a.error?.startsWith('failed while running'))).toBe(true);
    } finally {
      await e.close();
    }
  });

  it('stops when cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    expect((await openError(engine.embed([await solid('#000')], { signal: ac.signal }))).code).toBe('aborted');
    const many = await Promise.all(Array.from({ length: 12 }, (_, i) => solid(`#${(i * 20).toString(16).padStart(2, '0')}4080`, 300, 200)));
    const ac2 = new AbortController();
    const err = await openError(engine.embed(many, { signal: ac2.signal, onProgress: (d) => d === 2 && ac2.abort() }));
    expect(err.code).toBe('aborted');
  });
});

describe('InferenceEngine with other backbones', () => {
  it('lists the backbones in a folder, with the reason a broken one cannot be used', () => {
    const entries = listBackbones(dir);
    const good = entries.find((e) => e.cardPath.endsWith('mobilenet_v2.json'));
    expect(good?.ok && good.card.id).toBe(`${card.id}+${PIXELS_VERSION}`);
    writeFileSync(join(dir, 'orphan.json'), JSON.stringify({ ...card, file: 'gone.onnx' }));
    const orphan = listBackbones(dir).find((e) => e.cardPath.endsWith('orphan.json'));
    expect(orphan?.ok === false && orphan.error.code).toBe('model_not_found');
  });

  it('refuses a file that is not ONNX, naming it', async () => {
    const bad = join(dir, 'broken.onnx');
    writeFileSync(bad, 'this is not a protobuf at all');
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ ...card, file: 'broken.onnx' }));
    const err = await openError(InferenceEngine.open({ modelPath: bad }));
    expect(err.code).toBe('model_invalid');
    expect(err.message).toContain(bad);
  });

  it('refuses a model whose input does not fit its card, naming the file', async () => {
    const copy = join(dir, 'wrong.onnx');
    copyFileSync(modelPath, copy);
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ ...card, file: 'wrong.onnx', input: { ...card.input, width: 160, height: 160 } }));
    const err = await openError(InferenceEngine.open({ modelPath: copy }));
    expect(err.code).toBe('model_input_mismatch');
    expect(err.message).toContain(copy);
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ ...card, output: { name: 'features', dim: 7 } }));
    expect((await openError(InferenceEngine.open({ modelPath: copy }))).code).toBe('model_input_mismatch');
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ ...card, input: { ...card.input, layout: 'sideways' } }));
    expect((await openError(InferenceEngine.open({ modelPath: copy }))).code).toBe('card_invalid');
    expect((await openError(InferenceEngine.open({ modelPath: join(dir, 'absent.onnx'), cardPath: join(dir, 'wrong.json') }))).code).toBe('card_invalid');
  });

  it('feeds a float32 NCHW backbone with its card normalisation', async () => {
    // A stand-in backbone: features = per-channel mean of the normalised input.
    const g = new GraphBuilder();
    g.input('pixel_values', 'float32', ['batch', 3, 32, 32]);
    const pooled = g.node('GlobalAveragePool', ['pixel_values'], 'pool');
    g.rename(g.node('Flatten', [pooled], 'flat', { axis: 1 }), 'embedding');
    g.output('embedding', 'float32', ['batch', 3]);
    const file = join(dir, 'tiny.onnx');
    writeFileSync(file, g.encode('tiny'));
    const tiny: ModelCard = {
      format: 'loupe-backbone-card/1',
      id: 'tiny-test',
      name: 'tiny',
      file: 'tiny.onnx',
      input: {
        name: 'pixel_values',
        dtype: 'float32',
        layout: 'NCHW',
        width: 32,
        height: 32,
        channels: 3,
        normalize: { mean: [10, 20, 30], std: [2, 4, 5] },
        normalizeInGraph: false,
      },
      output: { name: 'embedding', dim: 3 },
    };
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify(tiny));
    const e = await InferenceEngine.open({ modelPath: file, threads: 1 });
    try {
      const [r] = await e.embed([await solid('#6e4c82', 40, 40)]); // (110, 76, 130)
      if (!r.ok) throw new Error(r.error.message);
      expect(Array.from(r.embedding).map((v) => Math.round(v * 100) / 100)).toEqual([50, 14, 20]);
      expect(e.report().featureDim).toBe(3);
    } finally {
      await e.close();
    }
    const closed = await openError(e.embed([Buffer.from('x')]));
    expect(closed.code).toBe('engine_closed');
  });
});
