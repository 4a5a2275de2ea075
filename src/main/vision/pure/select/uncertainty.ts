/**
 * How unsure the current model is about each item, from its predicted probabilities, on a
 * 0 (certain) to 1 (as unsure as possible) scale so strategies are interchangeable:
 * - margin: 1 − (p₁ − p₂), the gap between the two best labels (the default: it targets
 *   exactly the pictures the model hesitates between two labels on);
 * - entropy: H(p) / log K, doubt spread over all labels;
 * - least-confidence: (1 − p₁) · K / (K − 1).
 */
import { VisionError } from '../errors';

export type UncertaintyStrategy = 'margin' | 'entropy' | 'least-confidence';

export function uncertaintyScores(probabilities: ArrayLike<number>, classes: number, strategy: UncertaintyStrategy = 'margin'): Float64Array {
  if (!Number.isInteger(classes) || classes < 2) {
    throw new VisionError('invalid_input', `Uncertainty needs probabilities over at least two labels; got ${classes}.`);
  }
  if (probabilities.length % classes !== 0) {
    throw new VisionError('length_mismatch', `Got ${probabilities.length} probabilities: not a whole number of rows of ${classes}.`);
  }
  const n = probabilities.length / classes;
  const out = new Float64Array(n);
  const logK = Math.log(classes);
  for (let i = 0; i < n; i++) {
    const o = i * classes;
    let p1 = -Infinity,
      p2 = -Infinity,
      h = 0;
    for (let j = 0; j < classes; j++) {
      const p = probabilities[o + j];
      if (p - p !== 0) throw new VisionError('non_finite_feature', `Item ${i} has a probability of ${p}.`);
      if (p > p1) {
        p2 = p1;
        p1 = p;
      } else if (p > p2) {
        p2 = p;
      }
      if (p > 0) h -= p * Math.log(p);
    }
    let u: number;
    if (strategy === 'margin') u = 1 - (p1 - p2);
    else if (strategy === 'entropy') u = h / logK;
    else if (strategy === 'least-confidence') u = ((1 - p1) * classes) / (classes - 1);
    else throw new VisionError('invalid_option', `Unknown uncertainty strategy ${String(strategy)}; use margin, entropy or least-confidence.`);
    out[i] = Math.min(1, Math.max(0, u));
  }
  return out;
}
