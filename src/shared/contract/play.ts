import { z } from 'zod';
import { procedure } from './define';
import { Id, LabelName } from './library';
import { PredictInput } from './vision';

/**
 * Scoring a labelled test set ("score a test folder" on Play, `POST /v1/models/:id/evaluate`):
 * the model predicts each picture, nothing is added to any dataset, and the answer carries
 * accuracy, per-label metrics, the confusion matrix and each picture's verdict.
 */
export const Evaluation = z.object({
  modelId: Id,
  /** Pictures scored (those that could not be read are in `failed`, not counted). */
  count: z.number().int(),
  accuracy: z.number(),
  perClass: z.record(z.string(), z.object({ precision: z.number(), recall: z.number(), f1: z.number(), support: z.number().int() })),
  /** Rows: the given label; columns: the predicted one. The model's labels first, then test labels it does not know. */
  confusion: z.object({ labels: z.array(z.string()), matrix: z.array(z.array(z.number().int())) }),
  items: z.array(z.object({ name: z.string(), label: z.string(), predicted: z.string(), confidence: z.number(), correct: z.boolean() })),
  /** Labels of the test set that the model does not know: their pictures can only be wrong. */
  unknownLabels: z.array(z.string()),
  failed: z.array(z.object({ name: z.string(), code: z.string(), message: z.string() })),
});
export type Evaluation = z.infer<typeof Evaluation>;

/** Most pictures scored in one request. */
export const MAX_EVALUATE_PICTURES = 1000;

export const playProcedures = {
  'models.evaluate': procedure(
    z
      .object({
        modelId: Id,
        items: z
          .array(z.object({ input: PredictInput, label: LabelName }).strict())
          .min(1)
          .max(MAX_EVALUATE_PICTURES),
      })
      .strict(),
    Evaluation,
  ),
};
