import { z } from 'zod';
import type { Blueprint } from '../http/index';
import { ReviewAnswer, ReviewQueueName } from '../../shared/contract/index';
import type { Review } from '../services/vision/review';
import { IdParams } from './deps';

const ReviewQuery = z
  .object({
    queue: ReviewQueueName,
    limit: z.coerce.number().int().min(1).max(500).default(50),
    /** Skip this many of the queue's first pictures (the next page: offset = what was read so far). */
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

/**
 * `GET /v1/datasets/:id/review?queue=label-next|disagreements|low-confidence|likely-mislabelled&limit=N&offset=M`:
 * review mode's queues for scripts and API users, the same answer as the app's `review.queue`.
 * "likely-mislabelled" trains K heads the first time after a label change: seconds to a minute
 * on big datasets, hence the long deadline; later requests read the cached queue.
 */
export function reviewRoutes(review: Review): (v1: Blueprint) => void {
  return (v1) => {
    v1.get(
      '/datasets/:id/review',
      { summary: 'A review queue: label next, disagreements, low confidence or likely mislabelled', tags: ['labels'], schema: { params: IdParams, query: ReviewQuery, response: { 200: ReviewAnswer } }, timeoutMs: 10 * 60_000 },
      (ctx) => review.queue({ datasetId: ctx.params.id, queue: ctx.valid.query.queue, limit: ctx.valid.query.limit, offset: ctx.valid.query.offset }, ctx.signal),
    );
  };
}
