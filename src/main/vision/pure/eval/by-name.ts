/**
 * Evaluation from label names, for callers that hold strings (the product's image rows)
 * rather than class indices. Labels found only in the truth or only in the predictions are
 * still counted, so a picture labelled with a label the model never saw shows up as a miss.
 */
import { VisionError } from '../errors';
import { evaluatePredictions, type EvaluationReport } from './metrics';

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function evaluateLabels(truth: string[], predicted: string[], labels?: string[]): EvaluationReport {
  if (truth.length !== predicted.length) {
    throw new VisionError('length_mismatch', `There are ${truth.length} true labels but ${predicted.length} predictions.`);
  }
  const order = labels ? [...labels] : [];
  const seen = new Set(order);
  const extra: string[] = [];
  for (const l of [...truth, ...predicted]) {
    if (!seen.has(l)) {
      seen.add(l);
      extra.push(l);
    }
  }
  // Given labels keep their order (the model's), others follow sorted.
  const all = labels ? [...order, ...extra.sort(byCodeUnit)] : extra.sort(byCodeUnit);
  if (all.length === 0) throw new VisionError('invalid_input', 'Evaluation needs at least one label.');
  const index = new Map(all.map((l, i) => [l, i]));
  return evaluatePredictions({
    labels: all,
    truth: truth.map((l) => index.get(l) as number),
    predicted: predicted.map((l) => index.get(l) as number),
  });
}
