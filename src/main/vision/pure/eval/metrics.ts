/**
 * Classification metrics from true and predicted class indices: accuracy, per-class
 * precision/recall/F1, their macro averages, the confusion matrix (rows = true label,
 * columns = predicted) and, for every cell, which examples fell in it so the Train page can
 * open the pictures behind a number.
 *
 * Zero division is defined as 0 (as scikit-learn's zero_division=0): a label never
 * predicted has precision 0, a label with no examples has recall 0, and F1 is 0 when
 * precision + recall is 0. Macro averages run over the labels that occur in the truth or
 * in the predictions, so a label absent from both (say, from a small validation split)
 * neither helps nor hurts.
 */
import { VisionError } from '../errors';

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Examples whose true label this is. */
  support: number;
  /** Examples predicted as this label. */
  predicted: number;
}

export interface ConfusionMatrix {
  labels: string[];
  /** matrix[t][p]: examples of true label t predicted as p. */
  matrix: number[][];
}

export interface EvaluationReport {
  count: number;
  accuracy: number;
  perClass: Record<string, ClassMetrics>;
  macro: { precision: number; recall: number; f1: number };
  confusion: ConfusionMatrix;
  /** cells[t][p]: indices (into the evaluated examples) in confusion cell (t, p), ascending. */
  cells: number[][][];
  /** Top-k accuracy by k, when probabilities were given (k = 1 equals accuracy). */
  topK: Record<string, number>;
}

export interface PredictionInput {
  labels: string[];
  /** True class index per example, into `labels`. */
  truth: ArrayLike<number>;
  /** Predicted class index per example, into `labels`. */
  predicted: ArrayLike<number>;
}

const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

function checkIndices(name: string, a: ArrayLike<number>, K: number): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isInteger(v) || v < 0 || v >= K) {
      throw new VisionError('invalid_input', `Example ${i} has ${name} class ${v}, but there are only ${K} labels.`);
    }
  }
}

export function evaluatePredictions(input: PredictionInput): EvaluationReport {
  const { labels, truth, predicted } = input;
  const K = labels.length;
  if (K === 0) throw new VisionError('invalid_input', 'Evaluation needs at least one label.');
  if (new Set(labels).size !== K) throw new VisionError('invalid_input', 'Evaluation labels must not repeat.');
  if (truth.length !== predicted.length) {
    throw new VisionError('length_mismatch', `There are ${truth.length} true labels but ${predicted.length} predictions.`);
  }
  checkIndices('true', truth, K);
  checkIndices('predicted', predicted, K);

  const n = truth.length;
  const matrix = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const cells: number[][][] = Array.from({ length: K }, () => Array.from({ length: K }, () => [] as number[]));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = truth[i];
    const p = predicted[i];
    matrix[t][p]++;
    cells[t][p].push(i);
    if (t === p) correct++;
  }

  const perClassEntries: Array<[string, ClassMetrics]> = [];
  let sumP = 0,
    sumR = 0,
    sumF = 0,
    present = 0;
  for (let c = 0; c < K; c++) {
    let support = 0,
      predictedCount = 0;
    for (let j = 0; j < K; j++) {
      support += matrix[c][j];
      predictedCount += matrix[j][c];
    }
    const tp = matrix[c][c];
    const precision = ratio(tp, predictedCount);
    const recall = ratio(tp, support);
    const f1 = ratio(2 * precision * recall, precision + recall);
    perClassEntries.push([labels[c], { precision, recall, f1, support, predicted: predictedCount }]);
    if (support > 0 || predictedCount > 0) {
      sumP += precision;
      sumR += recall;
      sumF += f1;
      present++;
    }
  }
  return {
    count: n,
    accuracy: ratio(correct, n),
    // fromEntries defines own properties, so a label such as "__proto__" is a plain key.
    perClass: Object.fromEntries(perClassEntries),
    macro: { precision: ratio(sumP, present), recall: ratio(sumR, present), f1: ratio(sumF, present) },
    confusion: { labels: [...labels], matrix },
    cells,
    topK: {},
  };
}

/** Indices of the examples in one confusion cell, by label names; [] for unknown names. */
export function confusionCell(report: EvaluationReport, trueLabel: string, predictedLabel: string): number[] {
  const t = report.confusion.labels.indexOf(trueLabel);
  const p = report.confusion.labels.indexOf(predictedLabel);
  return t < 0 || p < 0 ? [] : [...report.cells[t][p]];
}

/** Every misclassified example, ordered by index. */
export function misclassified(report: EvaluationReport): Array<{ index: number; truth: string; predicted: string }> {
  const out: Array<{ index: number; truth: string; predicted: string }> = [];
  const L = report.confusion.labels;
  report.cells.forEach((row, t) =>
    row.forEach((cell, p) => {
      if (t !== p) for (const index of cell) out.push({ index, truth: L[t], predicted: L[p] });
    }),
  );
  return out.sort((a, b) => a.index - b.index);
}
