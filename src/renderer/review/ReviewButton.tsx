import type { Route } from '../app/route';
import { reviewRoute } from './review-route';

/** The Library's way into review mode (a one-line hook in its toolbar). */
export function ReviewButton({ datasetId, onNavigate }: { datasetId: string | null; onNavigate: (r: Route) => void }) {
  if (!datasetId) return null;
  return (
    <button
      type="button"
      className="button"
      onClick={() => onNavigate(reviewRoute(datasetId, 'label-next'))}
      title="One picture at a time: accept, correct or skip"
    >
      Review
    </button>
  );
}
