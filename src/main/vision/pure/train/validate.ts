/**
 * Checks training input before any arithmetic, so that bad data ends in an error a person
 * can act on rather than in NaN weights. Everything here is O(N·D) and allocation-light.
 */
import { VisionError } from '../errors';
import type { AugmentedExample, TrainData } from './types';

export interface CheckedData {
  /** Number of pictures. */
  n: number;
  dim: number;
  /** Distinct labels, sorted, so the same label set always gives the same output order. */
  labels: string[];
  /** Label index of each picture. */
  y: Int32Array;
  /** Copies row i of the input into dst at dstOff. */
  copyRow(i: number, dst: Float32Array, dstOff: number): void;
}

const quote = (s: string): string => JSON.stringify(s);

function listNames(names: string[]): string {
  const shown = names.slice(0, 5).map(quote).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

function checkFinite(row: Float32Array, off: number, dim: number, what: string): void {
  for (let k = 0; k < dim; k++) {
    const v = row[off + k];
    // v - v is NaN for NaN and ±Infinity: one comparison instead of two calls.
    if (v - v !== 0) {
      throw new VisionError(
        'non_finite_feature',
        `${what} has a feature that is ${Number.isNaN(v) ? 'NaN' : String(v)} (dimension ${k}). ` +
          'Its embedding is corrupt: recompute it, or leave that picture out.',
      );
    }
  }
}

export function checkTrainData(data: TrainData): CheckedData {
  const { features, labels: rowLabels } = data;
  if (!Array.isArray(rowLabels)) {
    throw new VisionError('length_mismatch', 'Training data needs a list of labels, one per picture.');
  }
  const n = rowLabels.length;
  if (n === 0) {
    throw new VisionError('no_examples', 'Training needs labelled pictures; there are none. Label at least two pictures of each of two labels.');
  }
  let dim: number;
  let copyRow: CheckedData['copyRow'];
  if (features instanceof Float32Array) {
    if (features.length === 0 || features.length % n !== 0) {
      throw new VisionError('dimension_mismatch', `The feature matrix has ${features.length} values, which is not a whole number of rows for ${n} pictures.`);
    }
    dim = features.length / n;
    copyRow = (i, dst, off) => dst.set(features.subarray(i * dim, (i + 1) * dim), off);
    for (let i = 0; i < n; i++) checkFinite(features, i * dim, dim, `Picture ${i}`);
  } else {
    if (!Array.isArray(features) || features.length !== n) {
      throw new VisionError(
        'length_mismatch',
        `There are ${Array.isArray(features) ? features.length : 0} embeddings for ${n} labels; each picture needs exactly one of each.`,
      );
    }
    dim = features[0]?.length ?? 0;
    if (dim === 0) throw new VisionError('dimension_mismatch', 'Embeddings are empty (dimension 0).');
    for (let i = 0; i < n; i++) {
      const row = features[i];
      if (!(row instanceof Float32Array) || row.length !== dim) {
        throw new VisionError(
          'dimension_mismatch',
          `Picture ${i} has an embedding of dimension ${row instanceof Float32Array ? row.length : 'unknown'}, but the others have ${dim}. ` +
            'Embeddings from different backbones cannot be mixed: recompute them with one backbone.',
        );
      }
      checkFinite(row, 0, dim, `Picture ${i}`);
    }
    copyRow = (i, dst, off) => dst.set(features[i], off);
  }

  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const l = rowLabels[i];
    if (typeof l !== 'string' || l.length === 0) {
      throw new VisionError('invalid_label', `Picture ${i} has no label; training uses labelled pictures only.`);
    }
    counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  const labels = [...counts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (labels.length < 2) {
    throw new VisionError(
      'too_few_labels',
      `Training needs at least two labels; all ${n} picture${n === 1 ? ' is' : 's are'} labelled ${quote(labels[0])}. ` + 'Add pictures with another label.',
    );
  }
  const small = labels.filter((l) => (counts.get(l) ?? 0) < 2);
  if (small.length > 0) {
    throw new VisionError(
      'label_too_small',
      `${small.length === 1 ? 'Label' : 'Labels'} ${listNames(small)} ${small.length === 1 ? 'has' : 'have'} only one picture; ` +
        'training needs at least two pictures per label. Add more pictures, or remove the label.',
    );
  }
  const index = new Map(labels.map((l, i) => [l, i]));
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = index.get(rowLabels[i]) as number;
  return { n, dim, labels, y, copyRow };
}

/** Augmented rows must match the pictures' dimension and use a known label. */
export function checkAugmented(aug: AugmentedExample[], dim: number, labels: string[], n: number): Int32Array {
  const index = new Map(labels.map((l, i) => [l, i]));
  const y = new Int32Array(aug.length);
  for (let i = 0; i < aug.length; i++) {
    const a = aug[i];
    if (!(a.features instanceof Float32Array) || a.features.length !== dim) {
      throw new VisionError(
        'dimension_mismatch',
        `Augmented row ${i} has dimension ${a.features instanceof Float32Array ? a.features.length : 'unknown'}, but the pictures have ${dim}.`,
      );
    }
    const li = index.get(a.label);
    if (li === undefined) {
      throw new VisionError('unknown_label', `Augmented row ${i} has label ${quote(a.label)}, which no picture has.`);
    }
    if (a.source !== undefined && (!Number.isInteger(a.source) || a.source < 0 || a.source >= n)) {
      throw new VisionError('invalid_option', `Augmented row ${i} names source picture ${a.source}, but there are ${n}.`);
    }
    checkFinite(a.features, 0, dim, `Augmented row ${i}`);
    y[i] = li;
  }
  return y;
}
