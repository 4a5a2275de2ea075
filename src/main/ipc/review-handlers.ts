import type { reviewProcedures } from '../../shared/contract/index';
import type { Review } from '../services/vision/review';
import type { Handler } from './dispatcher';

/** Review mode's queues over the contract (merged into the handlers in app.ts). */
export function reviewHandlers(review: Review): { [K in keyof typeof reviewProcedures]: Handler<K> } {
  return {
    'review.queue': (input, ctx) => review.queue(input, ctx.signal),
  };
}
