// "Label next" must show the pictures the model hesitates on, and not twenty copies of
// the same one.
import { describe, expect, it } from 'vitest';
import { rankForLabelling, uncertaintyScores } from '../../src/main/vision/pure/select';
import { createRng } from '../../src/main/vision/pure/train';

/** Items as (point, probabilities) pairs in 2-D, with the given certainty. */
function scene() {
  const rng = createRng(5);
  const ids: string[] = [];
  const feats: number[][] = [];
  const probs: number[][] = [];
  const add = (id: string, x: number, y: number, p: number[]) => {
    ids.push(id);
    feats.push([x + rng.normal() * 0.01, y + rng.normal() * 0.01]);
    probs.push(p);
  };
  // Ten near-copies of one hesitant picture at (0, 0)...
  for (let i = 0; i < 10; i++) add(`dup-${i}`, 0, 0, [0.5, 0.5]);
  // ...two other hesitant pictures far apart...
  add('far-1', 10, 0, [0.55, 0.45]);
  add('far-2', 0, 10, [0.45, 0.55]);
  // ...and many confident ones everywhere.
  for (let i = 0; i < 40; i++) add(`sure-${i}`, rng.normal() * 8, rng.normal() * 8, [0.98, 0.02]);
  return { ids, features: feats.map((f) => Float32Array.from(f)), probabilities: Float32Array.from(probs.flat()) };
}

describe('label next', () => {
  it('scores uncertainty by margin, entropy and least confidence on 0..1', () => {
    const p = Float32Array.from([0.5, 0.5, 0, 1, 0, 0, 0.6, 0.3, 0.1]);
    expect(Array.from(uncertaintyScores(p, 3, 'margin'))).toEqual([1, 0, 1 - 0.30000001192092896]);
    const h = uncertaintyScores(p, 3, 'entropy');
    expect(h[0]).toBeCloseTo(Math.log(2) / Math.log(3));
    expect(h[1]).toBe(0);
    const lc = uncertaintyScores(p, 3, 'least-confidence');
    expect(lc[0]).toBeCloseTo(0.75);
    expect(() => uncertaintyScores(p, 4)).toThrow(expect.objectContaining({ code: 'length_mismatch' }));
  });

  it('picks uncertain and diverse pictures first', () => {
    const s = scene();
    const picked = rankForLabelling({ ...s, count: 3 }).map((r) => r.id);
    expect(picked).toHaveLength(3);
    // One of the near-copies (the most uncertain), then the two distant hesitant ones.
    expect(picked.filter((id) => id.startsWith('dup-'))).toHaveLength(1);
    expect(picked).toContain('far-1');
    expect(picked).toContain('far-2');
    expect(picked.some((id) => id.startsWith('sure-'))).toBe(false);
  });

  it('ranks by uncertainty alone when the pool is the answer', () => {
    const s = scene();
    const top = rankForLabelling({ ...s, count: 12, poolFactor: 1 });
    expect(top.every((r) => !r.id.startsWith('sure-'))).toBe(true);
    expect(top[0].uncertainty).toBe(1);
  });

  it('without a model, covers the variety of the folder', () => {
    const rng = createRng(9);
    const centres = [
      [0, 0],
      [20, 0],
      [0, 20],
      [20, 20],
    ];
    const ids: string[] = [];
    const features: Float32Array[] = [];
    centres.forEach(([x, y], c) => {
      for (let i = 0; i < 25; i++) {
        ids.push(`c${c}-${i}`);
        features.push(Float32Array.from([x + rng.normal(), y + rng.normal()]));
      }
    });
    const picked = rankForLabelling({ ids, features, count: 4 });
    expect(new Set(picked.map((p) => p.id.slice(0, 2))).size).toBe(4);
    expect(picked.every((p) => p.uncertainty === null)).toBe(true);
    expect(rankForLabelling({ ids, features, count: 4 })).toEqual(picked);
  });

  it('prefers pictures unlike the ones already labelled', () => {
    const ids = ['near-labelled', 'novel'];
    const features = [Float32Array.from([1, 1]), Float32Array.from([-5, 4])];
    const labelledFeatures = [Float32Array.from([1, 1.1]), Float32Array.from([0.9, 1])];
    const picked = rankForLabelling({ ids, features, labelledFeatures, count: 1 });
    expect(picked[0].id).toBe('novel');
  });

  it('handles empty input and refuses bad input', () => {
    expect(rankForLabelling({ ids: [], features: [] })).toEqual([]);
    expect(() => rankForLabelling({ ids: ['a'], features: [Float32Array.from([NaN])] })).toThrow(expect.objectContaining({ code: 'non_finite_feature' }));
    expect(() => rankForLabelling({ ids: ['a', 'b'], features: [new Float32Array(2)] })).toThrow(expect.objectContaining({ code: 'length_mismatch' }));
  });
});
