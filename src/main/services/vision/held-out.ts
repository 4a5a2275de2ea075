import { createHash } from 'node:crypto';
import { predict, type HeadWeights } from '../../vision/index';
import type { DatasetImageRecord } from '../../store/index';

/** The share of each label held out to measure a run (the trainer's default validation fraction). */
export const HELD_OUT_FRACTION = 0.2;

/**
 * A picture's place in [0, 1), from its content hash alone: the same picture is held out in
 * every run, whatever else was added or relabelled, so two runs are measured on the same
 * pictures. (SHA-256 hex: its first 13 digits are uniform and fit a double exactly.)
 */
export function foldKey(hash: string): number {
  return parseInt(hash.slice(0, 13), 16) / 16 ** 13;
}

export function isHeldOut(hash: string): boolean {
  return foldKey(hash) < HELD_OUT_FRACTION;
}

/**
 * Fewest held-out pictures a comparison is made on after leaving out accepted guesses;
 * with fewer, the comparison falls back to every held-out picture and says so.
 */
export const MIN_INDEPENDENT = 20;

/** Held-out rows to compare models on, and how they were chosen. */
export interface EvidenceRows {
  features: Float32Array[];
  labels: string[];
  /** Held-out pictures whose label is an accepted guess of a compared model: left out, unless `fallback`. */
  leftOut: number;
  /** Too few independent pictures remained: every held-out picture was used (accepted guesses too). */
  fallback: boolean;
}

/**
 * The held-out pictures that are fair evidence between models: a label accepted from a
 * model's own guess agrees with that model by construction, so it is left out when that
 * model is compared (it still trains). With fewer than MIN_INDEPENDENT left, all are used.
 */
export function independentRows(
  rows: { features: Float32Array[]; labels: readonly string[]; acceptedFrom: ReadonlyArray<string | null> },
  models: ReadonlyArray<string | null>,
): EvidenceRows {
  const compared = new Set(models.filter((m): m is string => m !== null));
  const keep = rows.acceptedFrom.map((from) => from === null || !compared.has(from));
  const kept = keep.filter(Boolean).length;
  const leftOut = rows.features.length - kept;
  if (leftOut === 0 || kept >= MIN_INDEPENDENT) {
    return { features: rows.features.filter((_, i) => keep[i]), labels: rows.labels.filter((_, i) => keep[i]), leftOut, fallback: false };
  }
  return { features: rows.features, labels: [...rows.labels], leftOut, fallback: true };
}

/** Accuracy of a head on labelled rows, and per label; a label the head never learnt counts as wrong. */
export function scoreHead(
  head: HeadWeights,
  features: Float32Array[],
  labels: readonly string[],
): { accuracy: number; correct: number; total: number; perLabel: Record<string, { correct: number; total: number }> } {
  const perLabel: Record<string, { correct: number; total: number }> = {};
  if (features.length === 0) return { accuracy: 0, correct: 0, total: 0, perLabel };
  const P = predict(head, features);
  const K = head.labels.length;
  let correct = 0;
  for (let i = 0; i < features.length; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (P[i * K + k] > P[i * K + best]) best = k;
    const ok = head.labels[best] === labels[i];
    if (ok) correct++;
    const p = (perLabel[labels[i]] ??= { correct: 0, total: 0 });
    p.total++;
    if (ok) p.correct++;
  }
  return { accuracy: correct / features.length, correct, total: features.length, perLabel };
}

/**
 * What a run learnt from: every labelled picture with its label, the backbone and the
 * settings. Two runs with the same fingerprint would train the same model.
 */
export function trainingFingerprint(images: readonly Pick<DatasetImageRecord, 'hash' | 'label'>[], backbone: string, params: unknown): string {
  const h = createHash('sha256');
  h.update(`${backbone}\n${settingsKey(params)}\n`);
  for (const line of images.map((i) => `${i.hash} ${i.label ?? ''}`).sort()) h.update(`${line}\n`);
  return h.digest('hex');
}

/** Settings as a stable string: keys sorted, unset ones and `augment: false` (the default) left out. */
function settingsKey(params: unknown): string {
  const o = params && typeof params === 'object' ? (params as Record<string, unknown>) : {};
  const kept = Object.keys(o)
    .filter((k) => o[k] !== undefined && !(k === 'augment' && o[k] === false))
    .sort()
    .map((k) => [k, o[k]]);
  return JSON.stringify(kept);
}
