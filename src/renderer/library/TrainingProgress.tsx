import { useRuns } from '../train/queries';

/** While the dataset trains, the Library says so with a small bar (the run's live updates move it). */
export function TrainingProgress({ datasetId, onOpen }: { datasetId: string | null; onOpen: () => void }) {
  const runs = useRuns(datasetId);
  const run = runs.data?.items[0];
  if (!run || (run.status !== 'running' && run.status !== 'queued')) return null;
  const last = run.history[run.history.length - 1];
  const share = run.status === 'queued' ? 0 : last ? last.epoch / last.epochs : 0.05;
  const text = run.status === 'queued' ? 'Training soon…' : last ? `Training… epoch ${last.epoch}` : 'Training… reading pictures';
  return (
    <button type="button" className="training-progress" onClick={onOpen} title="Open the Train page" data-testid="library-training">
      <span className="small">{text}</span>
      <span
        className="progress mini"
        role="progressbar"
        aria-label="Training progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(share * 100)}
      >
        <span className="progress-fill" style={{ width: `${Math.round(share * 100)}%` }} />
      </span>
    </button>
  );
}
