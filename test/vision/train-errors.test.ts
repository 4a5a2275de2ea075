// Bad training input ends in an error with a code and a sentence a person can act on,
// never in NaN weights.
import { describe, expect, it } from 'vitest';
import { preprocessImage } from '../../src/main/vision/node/preprocess/preprocess';
import { VisionError } from '../../src/main/vision/pure/errors';
import { isTrainingRefusal } from '../../src/main/vision/pure/training-refusals';
import { predict, trainHead, type TrainData, type TrainOptions } from '../../src/main/vision/pure/train';

async function failure(data: TrainData, options: TrainOptions = {}): Promise<VisionError> {
  try {
    await trainHead(data, { epochs: 2, ...options });
  } catch (e) {
    expect(e).toBeInstanceOf(VisionError);
    return e as VisionError;
  }
  throw new Error('training should have failed');
}

const rows = (values: number[][]): Float32Array[] => values.map((v) => Float32Array.from(v));

function allFinite(a: Float32Array): boolean {
  return a.every((v) => Number.isFinite(v));
}

describe('training input checks', () => {
  it("speaks the engine's one error type: a training refusal and a picture failure are both VisionError, told apart by code", async () => {
    const refusal = await failure({
      features: rows([
        [1, 2],
        [3, 4],
      ]),
      labels: ['cat', 'cat'],
    });
    expect(refusal.toJSON()).toEqual({ code: 'too_few_labels', message: refusal.message });
    expect(isTrainingRefusal(refusal)).toBe(true);
    const picture = await preprocessImage(Buffer.from('not a picture'), { width: 8, height: 8 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(picture).toBeInstanceOf(VisionError);
    expect((picture as VisionError).code).toBe('image_unsupported');
    expect(isTrainingRefusal(picture)).toBe(false);
  });

  it('refuses a single label and says how to fix it', async () => {
    const e = await failure({
      features: rows([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      labels: ['cat', 'cat', 'cat'],
    });
    expect(e.code).toBe('too_few_labels');
    expect(e.message).toMatch(/^Training needs at least two labels; all 3 pictures are labelled "cat"/);
  });

  it('names the label that has only one picture', async () => {
    const e = await failure({
      features: rows([
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ]),
      labels: ['cat', 'cat', 'dog', 'owl'],
    });
    expect(e.code).toBe('label_too_small');
    expect(e.message).toContain('"dog"');
    expect(e.message).toContain('"owl"');
    expect(e.message).not.toContain('"cat"');
  });

  it('refuses NaN and infinite features, naming the picture', async () => {
    const nan = await failure({
      features: rows([
        [1, 2],
        [3, NaN],
        [5, 6],
        [7, 8],
      ]),
      labels: ['a', 'a', 'b', 'b'],
    });
    expect(nan.code).toBe('non_finite_feature');
    expect(nan.message).toContain('Picture 1');
    const inf = await failure({ features: Float32Array.from([1, 2, 3, 4, 5, Infinity, 7, 8]), labels: ['a', 'a', 'b', 'b'] });
    expect(inf.code).toBe('non_finite_feature');
    expect(inf.message).toContain('Picture 2');
  });

  it('refuses embeddings of different dimensions and mismatched counts', async () => {
    const dims = await failure({
      features: rows([
        [1, 2],
        [3, 4, 5],
        [5, 6],
        [7, 8],
      ]),
      labels: ['a', 'a', 'b', 'b'],
    });
    expect(dims.code).toBe('dimension_mismatch');
    expect(dims.message).toContain('Picture 1');
    expect((await failure({ features: Float32Array.from([1, 2, 3, 4, 5]), labels: ['a', 'a', 'b', 'b'] })).code).toBe('dimension_mismatch');
    expect((await failure({ features: rows([[1], [2], [3]]), labels: ['a', 'a', 'b', 'b'] })).code).toBe('length_mismatch');
    expect((await failure({ features: [], labels: [] })).code).toBe('no_examples');
    expect((await failure({ features: rows([[1], [2], [3], [4]]), labels: ['a', '', 'b', 'b'] })).code).toBe('invalid_label');
  });

  it('refuses identical embeddings for every picture', async () => {
    const same = Array.from({ length: 6 }, () => Float32Array.from([0.5, 0.5, 0.5]));
    const e = await failure({ features: same, labels: ['a', 'a', 'a', 'b', 'b', 'b'] });
    expect(e.code).toBe('constant_features');
  });

  it('checks augmented rows and options', async () => {
    const data = {
      features: rows([
        [0, 1],
        [0, 2],
        [5, 1],
        [5, 2],
      ]),
      labels: ['a', 'a', 'b', 'b'],
    };
    expect((await failure({ ...data, augmented: [{ features: Float32Array.from([1, 1]), label: 'zebra' }] })).code).toBe('unknown_label');
    expect((await failure({ ...data, augmented: [{ features: Float32Array.from([1]), label: 'a' }] })).code).toBe('dimension_mismatch');
    expect((await failure({ ...data, augmented: [{ features: Float32Array.from([NaN, 1]), label: 'a' }] })).code).toBe('non_finite_feature');
    const bad = await failure(data, { learningRate: -1 });
    expect(bad.code).toBe('invalid_option');
    expect(bad.message).toContain('learningRate');
    expect((await failure(data, { validationFraction: 0.9 })).code).toBe('invalid_option');
    expect((await failure(data, { kind: 'tree' as never })).code).toBe('invalid_option');
    const decay = await failure(data, { lrDecayFactor: 0 });
    expect(decay.code).toBe('invalid_option');
    expect(decay.message).toContain('lrDecayFactor');
    expect((await failure(data, { lrPatience: 0 })).code).toBe('invalid_option');
  });

  it('trains on the smallest allowed dataset, a constant dimension and huge values without NaN', async () => {
    // Two pictures per label (one goes to validation), a dimension that never changes,
    // and magnitudes near float32's limit: standardisation must keep all of it finite.
    const features = rows([
      [1e30, 3, -2e30],
      [2e30, 3, -1e30],
      [-1e30, 3, 2e30],
      [-2e30, 3, 1e30],
    ]);
    for (const kind of ['softmax', 'mlp'] as const) {
      const r = await trainHead({ features, labels: ['x', 'x', 'y', 'y'] }, { kind, epochs: 5 });
      for (const l of r.head.layers) {
        expect(allFinite(l.weight)).toBe(true);
        expect(allFinite(l.bias)).toBe(true);
      }
      for (const h of r.history) {
        expect(Number.isFinite(h.trainLoss)).toBe(true);
        expect(Number.isFinite(h.valLoss as number)).toBe(true);
      }
      const p = predict(r.head, features);
      expect(allFinite(p)).toBe(true);
      expect(r.validationIndices).toHaveLength(2);
    }
  });

  it('an absurd learning rate ends in finite weights or a diverged error, never NaN', async () => {
    const features = rows(Array.from({ length: 40 }, (_, i) => [i % 2 ? 1 : -1, Math.sin(i), Math.cos(i)]));
    const labels = features.map((_, i) => (i % 2 ? 'odd' : 'even'));
    try {
      const r = await trainHead({ features, labels }, { learningRate: 10, epochs: 20 });
      expect(r.head.layers.every((l) => allFinite(l.weight) && allFinite(l.bias))).toBe(true);
    } catch (e) {
      expect((e as VisionError).code).toBe('diverged');
    }
  });
});
