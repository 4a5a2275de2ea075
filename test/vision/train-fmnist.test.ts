// Real data: raw Fashion-MNIST pixels (pooled 2×2 to 196 dimensions) as the "embeddings".
// A linear probe on them scores ~0.83 on held-out pictures; a trainer bug (wrong gradient
// sign, broken standardisation, shuffled labels) lands far below the floor asserted here.
import { beforeAll, describe, expect, it } from 'vitest';
import { predict, trainHead, type TrainResult } from '../../src/main/vision/pure/train';
import { confusionCell, evaluateLabels, evaluateTrainResult, toRunMetrics } from '../../src/main/vision/pure/eval';
import { fmnistAvailable, loadFashionMnist, type FmnistSet } from './fixtures-fmnist';

function testAccuracy(r: TrainResult, test: FmnistSet): number {
  const P = predict(r.head, test.features);
  const K = r.head.labels.length;
  const predicted: string[] = [];
  for (let i = 0; i < test.count; i++) {
    let best = 0;
    for (let j = 1; j < K; j++) if (P[i * K + j] > P[i * K + best]) best = j;
    predicted.push(r.head.labels[best]);
  }
  return evaluateLabels(test.labels, predicted).accuracy;
}

describe.skipIf(!fmnistAvailable())('training on Fashion-MNIST pixels', () => {
  let train: FmnistSet;
  let test: FmnistSet;
  let softmax: TrainResult;
  let softmaxAcc: number;

  beforeAll(async () => {
    train = loadFashionMnist('train', 10_000, 2);
    test = loadFashionMnist('t10k', 2_000, 2);
    softmax = await trainHead({ features: train.features, labels: train.labels }, { kind: 'softmax', seed: 7 });
    softmaxAcc = testAccuracy(softmax, test);
  });

  it('softmax regression classifies unseen pictures well', () => {
    expect(softmax.head.labels).toHaveLength(10);
    expect(softmaxAcc).toBeGreaterThanOrEqual(0.78);
    // The validation curve it reports is a real one: the kept epoch did well on held-out data.
    const best = softmax.history[softmax.bestEpoch - 1];
    expect(best.valAcc).toBeGreaterThanOrEqual(0.75);
    expect(softmax.validationIndices.length).toBeGreaterThan(1_800);
    expect(softmax.trainIndices.length + softmax.validationIndices.length).toBe(10_000);
  });

  it('reports validation metrics whose confusion cells point at the input pictures', () => {
    const report = evaluateTrainResult(softmax);
    const best = softmax.history[softmax.bestEpoch - 1];
    expect(report.accuracy).toBeCloseTo(best.valAcc as number, 10);
    expect(report.count).toBe(softmax.validationIndices.length);
    expect(report.topK['3']).toBeGreaterThan(report.accuracy);
    // Shirts and T-shirts are the classic confusion; its cell lists real shirt pictures.
    const cell = confusionCell(report, 'Shirt', 'T-shirt/top');
    expect(cell.length).toBeGreaterThan(0);
    for (const i of cell) {
      expect(train.labels[i]).toBe('Shirt');
      expect(softmax.validationIndices).toContain(i);
    }
    const m = toRunMetrics(report);
    expect(m.confusion.labels).toEqual(softmax.head.labels);
    expect(m.confusion.matrix.flat().reduce((a, b) => a + b, 0)).toBe(report.count);
  });

  it('the MLP does at least as well as softmax regression', async () => {
    const mlp = await trainHead({ features: train.features, labels: train.labels }, { kind: 'mlp', hiddenUnits: 64, seed: 7, epochs: 20 });
    expect(mlp.head.layers.map((l) => [l.inDim, l.outDim, l.activation])).toEqual([
      [196, 64, 'relu'],
      [64, 10, 'none'],
    ]);
    const acc = testAccuracy(mlp, test);
    expect(acc).toBeGreaterThanOrEqual(softmaxAcc - 0.005);
    expect(acc).toBeGreaterThanOrEqual(0.8);
  });

  it('shrinking the step on a plateau settles at a lower validation loss than a fixed step', async () => {
    const fixed = await trainHead({ features: train.features, labels: train.labels }, { kind: 'softmax', seed: 7, lrDecayFactor: 1 });
    const bestLoss = (r: TrainResult) => r.history[r.bestEpoch - 1].valLoss as number;
    // Same split and seed: only the schedule differs, and the default schedule's best epoch is better.
    expect(softmax.validationIndices).toEqual(fixed.validationIndices);
    expect(bestLoss(softmax)).toBeLessThan(bestLoss(fixed));
    expect(testAccuracy(softmax, test)).toBeGreaterThanOrEqual(testAccuracy(fixed, test) - 0.002);
  });

  it('the same seed gives the same head, another seed a different split', async () => {
    const small = { features: train.features.subarray(0, 1_000 * train.dim), labels: train.labels.slice(0, 1_000) };
    const a = await trainHead(small, { seed: 3, epochs: 3 });
    const b = await trainHead(small, { seed: 3, epochs: 3 });
    const c = await trainHead(small, { seed: 4, epochs: 3 });
    expect(Array.from(a.head.layers[0].weight)).toEqual(Array.from(b.head.layers[0].weight));
    expect(a.validationIndices).toEqual(b.validationIndices);
    expect(c.validationIndices).not.toEqual(a.validationIndices);
  });
});
