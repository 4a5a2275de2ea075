// Confident learning must put the pictures whose given label contradicts an out-of-sample
// model at the top, and leave merely hard pictures alone.
import { describe, expect, it } from 'vitest';
import { assignFolds, classThresholds, findLikelyMislabelled, outOfFoldProbabilities } from '../../src/main/vision/pure/select';
import { createRng } from '../../src/main/vision/pure/train';

describe('confident learning', () => {
  it('thresholds each class at its mean self-confidence', () => {
    const p = Float32Array.from([0.9, 0.1, 0.7, 0.3, 0.2, 0.8, 0.4, 0.6]);
    const t = classThresholds(p, [0, 0, 1, 1], 2);
    expect(t[0]).toBeCloseTo(0.8);
    expect(t[1]).toBeCloseTo(0.7);
  });

  it('flags a picture below its own class threshold and above another’s, most contradicted first', () => {
    // Class 0 pictures: self-confidence 0.9, 0.9, 0.9, 0.25 (suspect), 0.1 (more suspect) -> t0 = 0.61.
    // Class 1 pictures: 0.8, 0.8, 0.55 (unsure: below t1 = 0.72, but still its likeliest and p(0) < t0: only hard, not flagged).
    const rows = [
      [0.9, 0.1],
      [0.9, 0.1],
      [0.9, 0.1],
      [0.25, 0.75],
      [0.1, 0.9],
      [0.2, 0.8],
      [0.2, 0.8],
      [0.45, 0.55],
    ];
    const given = [0, 0, 0, 0, 0, 1, 1, 1];
    const r = findLikelyMislabelled({ probabilities: Float32Array.from(rows.flat()), given, classes: 2 });
    expect(r.items.map((x) => x.index)).toEqual([4, 3]);
    expect(r.items[0]).toMatchObject({ given: 0, suggested: 1 });
    expect(r.items[0].margin).toBeCloseTo(0.8);
    expect(r.items[0].selfConfidence).toBeCloseTo(0.1);
    expect(r.items[0].normalized).toBeCloseTo(0.1 / 0.61);
  });

  it('suggests the likeliest of several confidently present classes', () => {
    const rows = [
      [0.9, 0.05, 0.05],
      [0.9, 0.05, 0.05],
      [0.05, 0.35, 0.6],
      [0.1, 0.5, 0.4],
      [0.1, 0.5, 0.4],
      [0.1, 0.4, 0.5],
      [0.1, 0.4, 0.5],
    ];
    const given = [0, 0, 0, 1, 1, 2, 2];
    const r = findLikelyMislabelled({ probabilities: Float32Array.from(rows.flat()), given, classes: 3 });
    expect(r.items).toHaveLength(1);
    expect(r.items[0]).toMatchObject({ index: 2, suggested: 2 });
  });

  it('flags a picture whose likeliest class is another even when no class reaches its threshold', () => {
    // Easy class 1 (t1 = 0.93): picture 4, labelled 0, has p(1) = 0.6: below t1, but the model's likeliest.
    const rows = [
      [0.9, 0.1],
      [0.9, 0.1],
      [0.9, 0.1],
      [0.8, 0.2],
      [0.4, 0.6],
      [0.02, 0.98],
      [0.05, 0.95],
      [0.15, 0.85],
    ];
    const r = findLikelyMislabelled({ probabilities: Float32Array.from(rows.flat()), given: [0, 0, 0, 0, 0, 1, 1, 1], classes: 2 });
    expect(r.thresholds[1]).toBeGreaterThan(0.6);
    expect(r.items.map((x) => [x.index, x.suggested])).toEqual([[4, 1]]);
  });

  it('refuses inputs that do not fit together', () => {
    expect(() => findLikelyMislabelled({ probabilities: new Float32Array(5), given: [0, 1], classes: 2 })).toThrow(
      expect.objectContaining({ code: 'length_mismatch' }),
    );
    expect(() => findLikelyMislabelled({ probabilities: new Float32Array(4), given: [0, 2], classes: 2 })).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    );
    expect(() => findLikelyMislabelled({ probabilities: new Float32Array(2), given: [0], classes: 1 })).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    );
  });

  it('deals each label evenly over the folds', () => {
    const given = Int32Array.from({ length: 103 }, (_, i) => (i < 50 ? 0 : i < 100 ? 1 : 2));
    const fold = assignFolds(given, 3, 5, 7);
    for (const c of [0, 1]) {
      const counts = [0, 0, 0, 0, 0];
      given.forEach((g, i) => g === c && counts[fold[i]]++);
      expect(counts).toEqual([10, 10, 10, 10, 10]);
    }
    expect(new Set(Array.from(fold).filter((_, i) => given[i] === 2)).size).toBe(3);
  });
});

describe('out-of-fold probabilities', () => {
  /** Three overlapping Gaussian clusters in 24-D, with `flipped` labels moved to another class. */
  function clusters(perClass: number, flipped: number, seed: number) {
    const rng = createRng(seed);
    const names = ['coat', 'shirt', 'shoe'];
    const centres = names.map(() => Float32Array.from({ length: 24 }, () => rng.normal() * 1.2));
    const features: Float32Array[] = [];
    const truth: string[] = [];
    names.forEach((name, c) => {
      for (let i = 0; i < perClass; i++) {
        features.push(Float32Array.from(centres[c], (v) => v + rng.normal()));
        truth.push(name);
      }
    });
    const labels = [...truth];
    const order = Array.from(labels.keys());
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const flippedIdx = order.slice(0, flipped);
    for (const i of flippedIdx) labels[i] = names[(names.indexOf(truth[i]) + 1 + rng.int(2)) % 3];
    return { features, labels, truth, flipped: new Set(flippedIdx) };
  }

  it('scores every picture with a head that did not see it, and confident learning finds the flipped labels', async () => {
    const { features, labels, truth, flipped } = clusters(60, 9, 3);
    const oof = await outOfFoldProbabilities({ features, labels }, { folds: 5, seed: 2 });
    expect(oof.classes).toEqual(['coat', 'shirt', 'shoe']);
    expect(oof.probabilities).toHaveLength(180 * 3);
    for (let i = 0; i < 180; i++) {
      const s = oof.probabilities[i * 3] + oof.probabilities[i * 3 + 1] + oof.probabilities[i * 3 + 2];
      expect(s).toBeCloseTo(1, 4);
    }
    const cl = findLikelyMislabelled({ probabilities: oof.probabilities, given: oof.given, classes: 3 });
    const top = cl.items.slice(0, flipped.size).map((x) => x.index);
    const hits = top.filter((i) => flipped.has(i)).length;
    expect(hits / flipped.size).toBeGreaterThanOrEqual(0.75);
    // A found flip's suggestion is its true class.
    for (const x of cl.items.slice(0, flipped.size).filter((x) => flipped.has(x.index))) expect(oof.classes[x.suggested]).toBe(truth[x.index]);
  });

  it('keeps going when a label has a single picture, and refuses a single label', async () => {
    const rng = createRng(9);
    const features = Array.from({ length: 21 }, (_, i) => Float32Array.from({ length: 8 }, () => rng.normal() + (i % 2) * 3));
    const labels = features.map((_, i) => (i === 20 ? 'odd' : i % 2 ? 'b' : 'a'));
    const oof = await outOfFoldProbabilities({ features, labels }, { folds: 3 });
    expect(oof.classes).toEqual(['a', 'b', 'odd']);
    expect(oof.probabilities[20 * 3 + 2]).toBe(0);
    await expect(outOfFoldProbabilities({ features, labels: labels.map(() => 'a') })).rejects.toMatchObject({ code: 'too_few_labels' });
  });
});
