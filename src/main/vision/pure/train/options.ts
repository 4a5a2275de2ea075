/**
 * Training options with their defaults, checked once so the loop can trust them. The
 * defaults and the reasons for them are in docs/vision-training.md.
 */
import { VisionError } from '../errors';
import type { HeadKind } from '../head';
import type { TrainOptions } from './types';

export interface ResolvedOptions {
  kind: HeadKind;
  hiddenUnits: number;
  /** null: not given (off; see autoComponents). */
  inputComponents: number | null;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  classBalanced: boolean;
  validationFraction: number;
  patience: number;
  lrPatience: number;
  lrDecayFactor: number;
  minDelta: number;
  seed: number;
}

export const TRAIN_DEFAULTS: Readonly<ResolvedOptions> = Object.freeze({
  kind: 'softmax',
  hiddenUnits: 64,
  inputComponents: null,
  epochs: 40,
  batchSize: 64,
  learningRate: 0.001,
  weightDecay: 1e-4,
  classBalanced: true,
  validationFraction: 0.2,
  patience: 4,
  lrPatience: 2,
  lrDecayFactor: 0.3,
  minDelta: 1e-4,
  seed: 1,
});

function bad(name: string, rule: string, value: unknown): never {
  throw new VisionError('invalid_option', `Training option ${name} must be ${rule}; got ${String(value)}.`);
}

function int(name: string, v: number | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < min || v > max) bad(name, `a whole number from ${min} to ${max}`, v);
  return v;
}

function num(name: string, v: number | undefined, def: number, min: number, max: number, openMin = false): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v > max || v < min || (openMin && v === min)) {
    bad(name, `a number ${openMin ? 'above' : 'from'} ${min} ${openMin ? 'up to' : 'to'} ${max}`, v);
  }
  return v;
}

export function resolveOptions(asked: TrainOptions = {}): ResolvedOptions {
  const kind = asked.kind ?? TRAIN_DEFAULTS.kind;
  if (kind !== 'softmax' && kind !== 'mlp') bad('kind', "'softmax' or 'mlp'", kind);
  if (asked.classBalanced !== undefined && typeof asked.classBalanced !== 'boolean') bad('classBalanced', 'true or false', asked.classBalanced);
  return {
    kind,
    hiddenUnits: int('hiddenUnits', asked.hiddenUnits, TRAIN_DEFAULTS.hiddenUnits, 1, 4096),
    inputComponents: asked.inputComponents === undefined ? null : int('inputComponents', asked.inputComponents, 0, 0, 4096),
    epochs: int('epochs', asked.epochs, TRAIN_DEFAULTS.epochs, 1, 10_000),
    batchSize: int('batchSize', asked.batchSize, TRAIN_DEFAULTS.batchSize, 1, 65_536),
    learningRate: num('learningRate', asked.learningRate, TRAIN_DEFAULTS.learningRate, 0, 10, true),
    weightDecay: num('weightDecay', asked.weightDecay, TRAIN_DEFAULTS.weightDecay, 0, 1),
    classBalanced: asked.classBalanced ?? TRAIN_DEFAULTS.classBalanced,
    validationFraction: num('validationFraction', asked.validationFraction, TRAIN_DEFAULTS.validationFraction, 0, 0.5),
    patience: int('patience', asked.patience, TRAIN_DEFAULTS.patience, 1, 10_000),
    lrPatience: int('lrPatience', asked.lrPatience, TRAIN_DEFAULTS.lrPatience, 1, 10_000),
    lrDecayFactor: num('lrDecayFactor', asked.lrDecayFactor, TRAIN_DEFAULTS.lrDecayFactor, 0, 1, true),
    minDelta: num('minDelta', asked.minDelta, TRAIN_DEFAULTS.minDelta, 0, 1e6),
    seed: int('seed', asked.seed, TRAIN_DEFAULTS.seed, -(2 ** 31), 2 ** 32),
  };
}

/**
 * MLP input compression: off unless asked for. It is several times faster on wide
 * embeddings but can lose class signal that hides in low-variance directions (measured in
 * bench/vision/RESULTS-train.md), so it is an opt-in speed knob, not a default.
 */
export function autoComponents(opts: ResolvedOptions, dim: number): number {
  if (opts.kind !== 'mlp') return 0;
  const c = opts.inputComponents ?? 0;
  return c > 0 && c < dim ? c : 0;
}
