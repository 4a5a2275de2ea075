import { z } from 'zod';
import { procedure } from './define';
import { Id, Page } from './library';
import { Task } from './tasks';

/** Training options a person (or `POST /v1/datasets/:id/train`) may set; the rest are the trainer's defaults. */
export const TrainParams = z
  .object({
    kind: z.enum(['softmax', 'mlp']).optional(),
    hiddenUnits: z.number().int().min(2).max(1024).optional(),
    epochs: z.number().int().min(1).max(500).optional(),
    batchSize: z.number().int().min(1).max(4096).optional(),
    learningRate: z.number().positive().max(1).optional(),
    weightDecay: z.number().min(0).max(1).optional(),
    validationFraction: z.number().min(0).max(0.5).optional(),
    patience: z.number().int().min(1).max(500).optional(),
    /** Epochs without improvement before the step size shrinks (trainer default 2). */
    lrPatience: z.number().int().min(1).max(500).optional(),
    /** What the step size is multiplied by on a plateau; 1 keeps it fixed (trainer default 0.3). */
    lrDecayFactor: z.number().positive().max(1).optional(),
    seed: z.number().int().optional(),
    /**
     * Also train on flipped, centre-cropped and colour-jittered copies of each labelled picture.
     * Default: the dataset's preference (`training.prefs`, off unless set); giving it stores it as
     * that preference, so later runs, automatic retrains included, do the same.
     */
    augment: z.boolean().optional(),
  })
  .strict();
export type TrainParams = z.infer<typeof TrainParams>;

/**
 * A dataset's stored training preferences: every run uses them unless its own params say
 * otherwise, the automatic retrains after a label change included.
 */
export const TrainPrefs = z.object({
  /** Add augmented copies (flips, crops, colour) to every run of this dataset (default false). */
  augment: z.boolean(),
});
export type TrainPrefs = z.infer<typeof TrainPrefs>;

export const RunStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;

export const EpochPoint = z.object({
  epoch: z.number().int(),
  epochs: z.number().int(),
  trainLoss: z.number(),
  trainAcc: z.number(),
  valLoss: z.number().nullable(),
  valAcc: z.number().nullable(),
});
export type EpochPoint = z.infer<typeof EpochPoint>;

/** Exactly the `metrics` of `GET /v1/runs/:id` (API.md). */
export const RunMetrics = z.object({
  accuracy: z.number(),
  perClass: z.record(z.string(), z.object({ precision: z.number(), recall: z.number(), f1: z.number() })),
  confusion: z.object({ labels: z.array(z.string()), matrix: z.array(z.array(z.number())) }),
});
export type RunMetrics = z.infer<typeof RunMetrics>;

/**
 * One training run. `examples[t][p]` lists the image ids behind confusion cell (true t,
 * predicted p), so the Train page opens the pictures of a cell.
 */
export const Run = z.object({
  id: Id,
  datasetId: Id,
  taskId: z.string().nullable(),
  status: RunStatus,
  trigger: z.enum(['manual', 'auto']),
  backbone: z.string(),
  params: TrainParams,
  history: z.array(EpochPoint),
  metrics: RunMetrics.nullable(),
  examples: z.array(z.array(z.array(Id))).nullable(),
  /** `augmented`: extra rows from augmented copies the trainer used (present when the run asked for augmentation). */
  counts: z.object({ images: z.number().int(), train: z.number().int(), validation: z.number().int(), augmented: z.number().int().optional() }).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  modelId: Id.nullable(),
  /**
   * Whether the run's model became the dataset's active one: only when it scored at least as
   * well as the active model on the same held-out pictures, and never over a pinned choice.
   */
  activation: z
    .object({
      activated: z.boolean(),
      reason: z.enum(['first', 'at-least-as-good', 'worse', 'pinned']),
      /**
       * The active model it was compared with and that one's `accuracy`; `newAccuracy` is the
       * new model's on the same `pictures`: the run's held-out pictures less the `leftOut` whose
       * label was accepted from the active model's guess. `fallback`: too few were left, so all
       * were used (`leftOut` then counts the guesses among them). Older runs lack the last four.
       */
      comparedWith: z
        .object({
          modelId: Id,
          accuracy: z.number(),
          newAccuracy: z.number().optional(),
          pictures: z.number().int().optional(),
          leftOut: z.number().int().optional(),
          fallback: z.boolean().optional(),
        })
        .nullable(),
    })
    .nullable()
    .optional(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type Run = z.infer<typeof Run>;

export const Model = z.object({
  id: Id,
  name: z.string(),
  version: z.number().int(),
  datasetId: Id.nullable(),
  runId: Id.nullable(),
  labels: z.array(z.string()),
  backbone: z.string(),
  /**
   * The backbone build that embedded the vectors its head was trained on: id, the ONNX file's
   * SHA-256 and float or int8. Null for models trained before Loupe recorded it.
   */
  embeddedWith: z
    .object({ backbone: z.string(), sha256: z.string(), variant: z.enum(['float', 'int8']) })
    .nullable()
    .optional(),
  metrics: RunMetrics,
  createdAt: z.string(),
});
export type Model = z.infer<typeof Model>;

export const LabelConfidence = z.object({ label: z.string(), confidence: z.number() });
export type LabelConfidence = z.infer<typeof LabelConfidence>;

/** What to classify: a library picture, a file on the app's machine, or bytes (base64). */
export const PredictInput = z.union([
  z.object({ imageId: Id }).strict(),
  z.object({ path: z.string().min(1).max(4096) }).strict(),
  z
    .object({
      base64: z
        .string()
        .min(1)
        .max(70 * 1024 * 1024),
      name: z.string().max(500).optional(),
    })
    .strict(),
]);

export const PredictedImage = z.object({
  id: Id,
  label: z.string().nullable(),
  predicted: z.string(),
  confidence: z.number(),
  margin: z.number(),
});
export type PredictedImage = z.infer<typeof PredictedImage>;

export const DuplicateGroup = z.object({
  keeper: Id,
  members: z.array(z.object({ id: Id, similarity: z.number() })),
});
export type DuplicateGroup = z.infer<typeof DuplicateGroup>;

export const VisionStatus = z.object({
  backbone: z.string().nullable(),
  provider: z.string().nullable(),
  /** onnxruntime's intra-op threads for the backbone (null until it has opened). */
  threads: z.number().int().nullable(),
  /** Why the backbone could not open, when it could not. */
  error: z.string().nullable(),
  images: z.number().int(),
  embedded: z.number().int(),
  latestModelId: Id.nullable(),
  latestRunId: Id.nullable(),
});
export type VisionStatus = z.infer<typeof VisionStatus>;

const PageQuery = { limit: z.number().int().min(1).max(500).default(50), cursor: z.string().nullable().optional() };

export const visionProcedures = {
  /** Schedules a training run now (the "Train now" button). */
  'training.start': procedure(
    // `force`: train even when nothing changed since the last run (otherwise that is refused with a sentence saying so).
    z.object({ datasetId: Id, params: TrainParams.optional(), force: z.boolean().optional() }).strict(),
    z.object({ taskId: z.string(), runId: Id }),
  ),
  'training.cancel': procedure(z.object({ runId: Id }).strict(), Run, {
    method: 'POST',
    path: '/runs/:id/cancel',
    params: { id: 'runId' },
    summary: 'Cancel a training run',
    tags: ['models'],
  }),
  /** The dataset's training preferences (the Train page's "Augment" box). */
  'training.prefs': procedure(z.object({ datasetId: Id }).strict(), TrainPrefs, {
    method: 'GET',
    path: '/datasets/:id/train-prefs',
    params: { id: 'datasetId' },
    summary: 'The dataset’s training preferences',
    tags: ['models'],
  }),
  /** Stores training preferences; later runs use them, automatic retrains too. */
  'training.setPrefs': procedure(z.object({ datasetId: Id, augment: z.boolean().optional() }).strict(), TrainPrefs, {
    method: 'PUT',
    path: '/datasets/:id/train-prefs',
    params: { id: 'datasetId' },
    summary: 'Store training preferences that later runs use, automatic retrains too',
    tags: ['models'],
  }),
  'runs.list': procedure(z.object({ datasetId: Id, ...PageQuery }).strict(), Page(Run)),
  'runs.get': procedure(z.object({ id: Id }).strict(), Run, {
    method: 'GET',
    path: '/runs/:id',
    summary: 'One training run: status, metrics, model',
    tags: ['models'],
  }),
  'models.list': procedure(z.object({ datasetId: Id.optional(), ...PageQuery }).strict(), Page(Model)),
  'models.get': procedure(z.object({ id: Id }).strict(), Model, { method: 'GET', path: '/models/:id', summary: 'One model', tags: ['models'] }),
  /** Writes the exported ONNX file to `path` (desktop menu) or answers the cached file's path. */
  'models.export': procedure(
    z.object({ id: Id, path: z.string().min(1).max(4096).optional() }).strict(),
    z.object({ path: z.string(), bytes: z.number().int() }),
  ),
  'models.predict': procedure(
    z.object({ modelId: Id, inputs: z.array(PredictInput).min(1).max(100), top: z.number().int().min(1).max(100).default(5) }).strict(),
    z.object({ predictions: z.array(z.array(LabelConfidence)) }),
  ),
  /** A `predict-folder` task: classifies every picture in a folder into a CSV. */
  'models.predictFolder': procedure(
    z.object({ modelId: Id, path: z.string().min(1).max(4096), output: z.string().min(1).max(4096).optional() }).strict(),
    Task,
  ),
  'vision.status': procedure(z.object({ datasetId: Id }).strict(), VisionStatus),
  /** The latest model's prediction for every embedded picture, filtered and sorted. */
  'vision.predictions': procedure(
    z
      .object({
        datasetId: Id,
        predicted: z.string().optional(),
        minConfidence: z.number().min(0).max(1).optional(),
        maxConfidence: z.number().min(0).max(1).optional(),
        disagreeing: z.boolean().optional(),
        unlabelledOnly: z.boolean().optional(),
        sort: z.enum(['confidence', 'margin', 'predicted']).default('confidence'),
        order: z.enum(['asc', 'desc']).default('desc'),
        limit: z.number().int().min(1).max(100_000).default(5000),
      })
      .strict(),
    z.object({ modelId: Id.nullable(), items: z.array(PredictedImage) }),
  ),
  /** Active learning: the unlabelled pictures worth labelling first. */
  'vision.labelNext': procedure(
    z.object({ datasetId: Id, count: z.number().int().min(1).max(500).default(50) }).strict(),
    z.object({ modelId: Id.nullable(), items: z.array(z.object({ id: Id, uncertainty: z.number().nullable() })) }),
  ),
  /**
   * Near-duplicate groups. `threshold` is on the cosine of standardised embeddings (centred and
   * scaled per dimension over the dataset); 0.9 = DEFAULT_DUPLICATE_THRESHOLD, chosen by
   * bench/vision/duplicates-threshold.ts.
   */
  'vision.nearDuplicates': procedure(
    z.object({ datasetId: Id, threshold: z.number().min(0.5).max(1).default(0.9) }).strict(),
    z.object({ groups: z.array(DuplicateGroup) }),
  ),
};

export const visionEvents = {
  /** A run was created, advanced an epoch, or finished (the Train page's live curves). */
  'run.updated': Run,
  'model.created': Model,
  /** Embedding progress of a dataset (pictures embedded of those that need it). */
  'embed.progress': z.object({ datasetId: Id, done: z.number().int(), total: z.number().int() }),
};
