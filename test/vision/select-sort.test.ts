// "Sort by prediction and confidence" in the Library.
import { describe, expect, it } from 'vitest';
import { filterByPrediction, predictionItems, sortByPrediction } from '../../src/main/vision/pure/select';

describe('prediction sorting and filtering', () => {
  const labels = ['cat', 'dog'];
  const probs = Float32Array.from([0.9, 0.1, 0.4, 0.6, 0.55, 0.45, 0.2, 0.8]);
  const items = predictionItems(['i1', 'i2', 'i3', 'i4'], labels, probs, ['cat', 'cat', null, 'dog']);

  it('describes each item by its best label, confidence and margin', () => {
    expect(items.map((i) => [i.id, i.label, i.predicted])).toEqual([
      ['i1', 'cat', 'cat'],
      ['i2', 'cat', 'dog'],
      ['i3', null, 'cat'],
      ['i4', 'dog', 'dog'],
    ]);
    expect(items[0].confidence).toBeCloseTo(0.9);
    expect(items[2].margin).toBeCloseTo(0.1);
  });

  it('sorts by confidence, margin or predicted label', () => {
    expect(sortByPrediction(items).map((i) => i.id)).toEqual(['i1', 'i4', 'i2', 'i3']);
    expect(sortByPrediction(items, 'confidence', 'asc').map((i) => i.id)).toEqual(['i3', 'i2', 'i4', 'i1']);
    expect(sortByPrediction(items, 'margin', 'asc')[0].id).toBe('i3');
    expect(sortByPrediction(items, 'predicted').map((i) => i.id)).toEqual(['i1', 'i3', 'i4', 'i2']);
  });

  it('filters by predicted label, confidence, disagreement and missing label', () => {
    expect(filterByPrediction(items, { predicted: 'dog' }).map((i) => i.id)).toEqual(['i2', 'i4']);
    expect(filterByPrediction(items, { minConfidence: 0.6, maxConfidence: 0.85 }).map((i) => i.id)).toEqual(['i2', 'i4']);
    expect(filterByPrediction(items, { disagreeing: true }).map((i) => i.id)).toEqual(['i2']);
    expect(filterByPrediction(items, { unlabelledOnly: true }).map((i) => i.id)).toEqual(['i3']);
  });

  it('refuses probabilities that do not fit', () => {
    expect(() => predictionItems(['a'], labels, new Float32Array(3))).toThrow(expect.objectContaining({ code: 'length_mismatch' }));
  });
});
