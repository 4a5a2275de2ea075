// What the Train page relies on: live progress, early stopping that keeps the best epoch,
// prompt cancellation, augmentation rows used for training only, class balancing.
import { describe, expect, it } from 'vitest';
import { VisionError } from '../../src/main/vision/pure/errors';
import { predict, trainHead, type TrainProgress } from '../../src/main/vision/pure/train';
import { evaluateProbabilities } from '../../src/main/vision/pure/eval';
import { gaussianBlobs } from './train-synthetic';

function weightedLoss(P: Float32Array, truth: Int32Array, K: number): number {
  // Class-balanced cross-entropy, as the trainer reports it.
  const counts = new Array<number>(K).fill(0);
  for (const t of truth) counts[t]++;
  let num = 0,
    den = 0;
  truth.forEach((t, i) => {
    const w = truth.length / (K * counts[t]);
    num += w * -Math.log(P[i * K + t]);
    den += w;
  });
  return num / den;
}

describe('training behaviour', () => {
  it('reports every epoch and stops early, keeping the best epoch', async () => {
    // Few pictures, many dimensions, overlapping classes: validation loss turns up soon.
    const data = gaussianBlobs({ classes: 3, perClass: 40, dim: 300, separation: 0.35, seed: 2 });
    const seen: TrainProgress[] = [];
    const r = await trainHead(data, { epochs: 200, patience: 4, minDelta: 0, weightDecay: 0, learningRate: 0.01, onEpoch: (p) => seen.push(p) });
    expect(seen).toEqual(r.history);
    expect(seen.map((p) => p.epoch)).toEqual(seen.map((_, i) => i + 1));
    expect(seen.every((p) => p.epochs === 200)).toBe(true);
    expect(r.stoppedEarly).toBe(true);
    expect(r.history.length).toBe(r.bestEpoch + 4);
    const losses = r.history.map((h) => h.valLoss as number);
    expect(Math.min(...losses)).toBe(losses[r.bestEpoch - 1]);
    // The returned head is the best epoch's: its validation loss matches that epoch's.
    const again = weightedLoss(r.validationProbabilities, r.validationTruth, 3);
    expect(again).toBeCloseTo(losses[r.bestEpoch - 1], 4);
    expect(again).toBeLessThan(losses[losses.length - 1]);
  });

  it('stops promptly when cancelled, between or within epochs', async () => {
    const data = gaussianBlobs({ classes: 4, perClass: 500, dim: 256, seed: 3 });
    const afterFirst = new AbortController();
    let epochs = 0;
    const p1 = trainHead(data, {
      epochs: 100,
      patience: 100,
      signal: afterFirst.signal,
      onEpoch: () => {
        epochs++;
        afterFirst.abort();
      },
    });
    await expect(p1).rejects.toMatchObject({ code: 'cancelled' });
    expect(epochs).toBe(1);

    const midway = new AbortController();
    const p2 = trainHead(data, { epochs: 10_000, patience: 10_000, kind: 'mlp', hiddenUnits: 128, signal: midway.signal });
    setTimeout(() => midway.abort(), 50);
    const started = Date.now();
    await expect(p2).rejects.toBeInstanceOf(VisionError);
    // Generous: only a hang (training all 10,000 epochs) would take this long.
    expect(Date.now() - started).toBeLessThan(20_000);

    const already = new AbortController();
    already.abort();
    await expect(trainHead(data, { signal: already.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('uses augmented rows for training only and drops those of validation pictures', async () => {
    const data = gaussianBlobs({ classes: 2, perClass: 20, dim: 8, seed: 4 });
    const base = await trainHead(data, { epochs: 3, batchSize: 8, seed: 5 });
    const row = (i: number): Float32Array => data.features.slice(i * 8, (i + 1) * 8);
    const augmented = data.labels.map((label, i) => ({ features: row(i).map((v) => v + 0.01), label, source: i }));
    const r = await trainHead({ ...data, augmented }, { epochs: 3, batchSize: 8, seed: 5 });
    expect(r.validationIndices).toEqual(base.validationIndices);
    expect(r.trainIndices.length).toBe(32);
    expect(r.augmentedUsed).toBe(32);
    expect(r.head.layers[0].weight).not.toEqual(base.head.layers[0].weight);
    expect(r.validationProbabilities.length).toBe(8 * 2);
    expect(r.head.mean).toEqual(base.head.mean);
  });

  it('class balancing lifts the recall of a rare label', async () => {
    const data = gaussianBlobs({ classes: 2, perClass: [950, 50], dim: 20, separation: 0.6, seed: 6 });
    const run = async (classBalanced: boolean) => {
      const r = await trainHead(data, { classBalanced, seed: 1 });
      return evaluateProbabilities({ labels: r.head.labels, truth: r.validationTruth, probabilities: r.validationProbabilities });
    };
    const plain = await run(false);
    const balanced = await run(true);
    expect(balanced.perClass['class-1'].recall).toBeGreaterThan(plain.perClass['class-1'].recall + 0.1);
    expect(balanced.macro.recall).toBeGreaterThan(plain.macro.recall);
  });

  it('trains without a validation split when asked, monitoring the training loss', async () => {
    const data = gaussianBlobs({ classes: 2, perClass: 10, dim: 4, seed: 8 });
    const r = await trainHead(data, { validationFraction: 0, epochs: 3 });
    expect(r.validationIndices).toEqual([]);
    expect(r.trainIndices).toHaveLength(20);
    expect(r.history.every((h) => h.valLoss === null && h.valAcc === null)).toBe(true);
  });
});

describe('MLP input compression', () => {
  it('folds the projection into the first layer so the head predicts what it validated', async () => {
    // Class signal in the high-variance directions, as in real embeddings: compression keeps it.
    const data = gaussianBlobs({ classes: 3, perClass: 100, dim: 60, separation: 2, seed: 12 });
    const r = await trainHead(data, { kind: 'mlp', hiddenUnits: 16, inputComponents: 12, epochs: 30, learningRate: 0.01 });
    expect(r.head.layers.map((l) => [l.inDim, l.outDim])).toEqual([
      [60, 16],
      [16, 3],
    ]);
    const rows = r.validationIndices.map((i) => data.features.subarray(i * 60, (i + 1) * 60));
    const P = predict(r.head, rows);
    expect(P.length).toBe(r.validationProbabilities.length);
    for (let i = 0; i < P.length; i++) expect(P[i]).toBeCloseTo(r.validationProbabilities[i], 4);
    const best = r.history[r.bestEpoch - 1];
    expect(best.valAcc).toBeGreaterThan(0.75);
  });
});
