import type { Route } from '../app/route';
import type { ReviewQueueName } from '../../shared/contract';

/** The four queues in the order the tabs show them, with their names in words. */
export const QUEUES: ReadonlyArray<{ id: ReviewQueueName; title: string; hint: string }> = [
  { id: 'label-next', title: 'Label next', hint: 'Unlabelled pictures that teach the model most' },
  { id: 'disagreements', title: 'Disagreements', hint: 'The model predicts another label than the one given' },
  { id: 'low-confidence', title: 'Low confidence', hint: 'Pictures the model is least sure of' },
  { id: 'likely-mislabelled', title: 'Likely mislabelled', hint: 'Labels that contradict what the other pictures teach (confident learning)' },
];

/**
 * Review mode lives at `#/library/:datasetId/review/:queue`, so Back leaves it and a link
 * opens it. Null when the route is not review mode.
 */
export function reviewQueueOf(route: Route): ReviewQueueName | null {
  if (route.page !== 'library' || !route.id || !route.view?.startsWith('review')) return null;
  const q = route.view.slice('review/'.length);
  return QUEUES.some((x) => x.id === q) ? (q as ReviewQueueName) : 'label-next';
}

export function reviewRoute(datasetId: string, queue: ReviewQueueName): Route {
  return { page: 'library', id: datasetId, view: `review/${queue}` };
}
