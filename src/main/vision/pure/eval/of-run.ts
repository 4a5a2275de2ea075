/**
 * Metrics of a finished training run on its validation split, with every confusion cell
 * holding indices into the run's *input* (not into the validation subset), so the product
 * can map a cell straight back to the pictures it trained from.
 */
import type { TrainResult } from '../train/types';
import type { EvaluationReport } from './metrics';
import { evaluateProbabilities } from './probabilities';

export function evaluateTrainResult(result: TrainResult, topK: number[] = [1, 3, 5]): EvaluationReport {
  const report = evaluateProbabilities({
    labels: result.head.labels,
    truth: result.validationTruth,
    probabilities: result.validationProbabilities,
    topK,
  });
  const toInput = result.validationIndices;
  report.cells = report.cells.map((row) => row.map((cell) => cell.map((i) => toInput[i])));
  return report;
}
