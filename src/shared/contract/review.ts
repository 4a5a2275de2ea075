import { z } from 'zod';
import { procedure } from './define';
import { Id } from './library';
import { LabelConfidence } from './vision';

/**
 * Review mode's queues (one picture at a time, accept / correct / skip):
 * - `label-next`: unlabelled pictures worth labelling first (active learning);
 * - `disagreements`: labelled pictures the active model predicts otherwise, surest first;
 * - `low-confidence`: pictures the active model is least sure of;
 * - `likely-mislabelled`: confident learning on out-of-sample probabilities (K-fold heads).
 */
export const ReviewQueueName = z.enum(['label-next', 'disagreements', 'low-confidence', 'likely-mislabelled']);
export type ReviewQueueName = z.infer<typeof ReviewQueueName>;

export const ReviewItem = z.object({
  id: Id,
  /** The given label (null: unlabelled). */
  label: z.string().nullable(),
  /** The active model's guess and its confidence (null without a model). */
  predicted: z.string().nullable(),
  confidence: z.number().nullable(),
  /** The active model's three best guesses, best first. */
  top: z.array(LabelConfidence),
  /**
   * likely-mislabelled: the label the picture more likely has, and how suspect its given label is:
   * 1 − p(given) / t(given), where p is out of sample and t the given label's mean self-confidence (0..1, higher first).
   */
  suggested: z.string().optional(),
  score: z.number().optional(),
});
export type ReviewItem = z.infer<typeof ReviewItem>;

export const ReviewAnswer = z.object({
  queue: ReviewQueueName,
  modelId: Id.nullable(),
  items: z.array(ReviewItem),
  /** Why the queue is empty when it cannot be computed (e.g. fewer than two labels). */
  note: z.string().nullable(),
});
export type ReviewAnswer = z.infer<typeof ReviewAnswer>;

export const reviewProcedures = {
  /** The pictures of one review queue, first to review first. */
  // "likely-mislabelled" trains K heads the first time after a label change: seconds to a
  // minute on big datasets, hence the long deadline; later requests read the cached queue.
  'review.queue': procedure(
    z
      .object({
        datasetId: Id,
        queue: ReviewQueueName,
        limit: z.number().int().min(1).max(500).default(50),
        /** Skip this many of the queue's first pictures: review mode pages past its first batch. */
        offset: z.number().int().min(0).max(1_000_000).default(0),
      })
      .strict(),
    ReviewAnswer,
    {
      method: 'GET',
      path: '/datasets/:id/review',
      params: { id: 'datasetId' },
      summary: 'A review queue: label next, disagreements, low confidence or likely mislabelled',
      tags: ['labels'],
      timeoutMs: 10 * 60_000,
    },
  ),
};
