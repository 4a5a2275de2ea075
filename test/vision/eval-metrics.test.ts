// Metrics checked against numbers worked out by hand.
import { describe, expect, it } from 'vitest';
import {
  confusionCell,
  evaluateLabels,
  evaluatePredictions,
  evaluateProbabilities,
  misclassified,
  toRunMetrics,
  topKAccuracy,
} from '../../src/main/vision/pure/eval';

describe('classification metrics', () => {
  // truth:     a a a a b b b c c c
  // predicted: a a b c b b a c c b
  const labels = ['a', 'b', 'c'];
  const truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
  const predicted = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];
  const report = evaluatePredictions({ labels, truth, predicted });

  it('computes accuracy, per-class precision/recall/F1 and macro averages', () => {
    expect(report.count).toBe(10);
    expect(report.accuracy).toBeCloseTo(6 / 10);
    // a: tp 2, predicted 3 (2 a + 1 b), support 4
    expect(report.perClass.a).toMatchObject({ support: 4, predicted: 3 });
    expect(report.perClass.a.precision).toBeCloseTo(2 / 3);
    expect(report.perClass.a.recall).toBeCloseTo(2 / 4);
    expect(report.perClass.a.f1).toBeCloseTo((2 * (2 / 3) * 0.5) / (2 / 3 + 0.5));
    // b: tp 2, predicted 4, support 3
    expect(report.perClass.b.precision).toBeCloseTo(2 / 4);
    expect(report.perClass.b.recall).toBeCloseTo(2 / 3);
    // c: tp 2, predicted 3, support 3
    expect(report.perClass.c.precision).toBeCloseTo(2 / 3);
    expect(report.perClass.c.recall).toBeCloseTo(2 / 3);
    expect(report.perClass.c.f1).toBeCloseTo(2 / 3);
    expect(report.macro.precision).toBeCloseTo((2 / 3 + 1 / 2 + 2 / 3) / 3);
    expect(report.macro.recall).toBeCloseTo((1 / 2 + 2 / 3 + 2 / 3) / 3);
  });

  it('builds the confusion matrix (rows true, columns predicted) and its cells', () => {
    expect(report.confusion).toEqual({
      labels,
      matrix: [
        [2, 1, 1],
        [1, 2, 0],
        [0, 1, 2],
      ],
    });
    expect(confusionCell(report, 'a', 'c')).toEqual([3]);
    expect(confusionCell(report, 'c', 'b')).toEqual([9]);
    expect(confusionCell(report, 'a', 'a')).toEqual([0, 1]);
    expect(confusionCell(report, 'a', 'zebra')).toEqual([]);
    expect(misclassified(report)).toEqual([
      { index: 2, truth: 'a', predicted: 'b' },
      { index: 3, truth: 'a', predicted: 'c' },
      { index: 6, truth: 'b', predicted: 'a' },
      { index: 9, truth: 'c', predicted: 'b' },
    ]);
  });

  it('answers in the exact shape of GET /v1/runs/:id', () => {
    const m = toRunMetrics(report);
    expect(Object.keys(m).sort()).toEqual(['accuracy', 'confusion', 'perClass']);
    expect(Object.keys(m.perClass.a).sort()).toEqual(['f1', 'precision', 'recall']);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it('defines zero division as 0 and leaves absent labels out of macro averages', () => {
    // "never" is neither true nor predicted; "ghost" is predicted but never true; "lost" is
    // true but never predicted.
    const r = evaluateLabels(['x', 'x', 'lost'], ['x', 'ghost', 'x'], ['x', 'never', 'ghost', 'lost']);
    expect(r.perClass.never).toEqual({ precision: 0, recall: 0, f1: 0, support: 0, predicted: 0 });
    expect(r.perClass.ghost).toEqual({ precision: 0, recall: 0, f1: 0, support: 0, predicted: 1 });
    expect(r.perClass.lost).toEqual({ precision: 0, recall: 0, f1: 0, support: 1, predicted: 0 });
    expect(r.perClass.x.precision).toBeCloseTo(1 / 2);
    expect(r.perClass.x.recall).toBeCloseTo(1 / 2);
    expect(r.macro.precision).toBeCloseTo(0.5 / 3);
    const empty = evaluatePredictions({ labels: ['a', 'b'], truth: [], predicted: [] });
    expect(empty.accuracy).toBe(0);
    expect(empty.macro).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it('keeps labels named like object properties as plain keys', () => {
    const r = evaluateLabels(['__proto__', 'constructor'], ['__proto__', '__proto__']);
    expect(Object.keys(r.perClass).sort()).toEqual(['__proto__', 'constructor']);
    expect(r.perClass['__proto__'].recall).toBe(1);
  });

  it('computes top-k accuracy from the ranking alone, ties to the earlier label', () => {
    const probs = Float32Array.from([
      0.5,
      0.3,
      0.2, // truth 1: rank 1
      0.1,
      0.2,
      0.7, // truth 0: rank 2
      0.4,
      0.4,
      0.2, // truth 1: tie with label 0, which comes first: rank 1
      0.2,
      0.2,
      0.6, // truth 2: rank 0
    ]);
    const t = [1, 0, 1, 2];
    expect(topKAccuracy(probs, 3, t, 1)).toBe(0.25);
    expect(topKAccuracy(probs, 3, t, 2)).toBe(0.75);
    expect(topKAccuracy(probs, 3, t, 3)).toBe(1);
    const r = evaluateProbabilities({ labels: ['a', 'b', 'c'], truth: t, probabilities: probs, topK: [1, 2, 5] });
    expect(r.topK).toEqual({ '1': 0.25, '2': 0.75, '3': 1 });
    expect(r.accuracy).toBe(0.25);
    expect(r.confusion.matrix[1]).toEqual([2, 0, 0]);
  });

  it('refuses inconsistent input with a code', () => {
    expect(() => evaluatePredictions({ labels, truth: [0, 1], predicted: [0] })).toThrow(expect.objectContaining({ code: 'length_mismatch' }));
    expect(() => evaluatePredictions({ labels, truth: [0, 3], predicted: [0, 1] })).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    expect(() => evaluateProbabilities({ labels, truth: [0], probabilities: new Float32Array(2) })).toThrow(
      expect.objectContaining({ code: 'length_mismatch' }),
    );
  });
});
