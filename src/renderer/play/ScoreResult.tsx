import type { Evaluation } from '../../shared/contract';
import { ConfusionMatrix, PerClassTable } from '../train/Metrics';
import { percent } from '../train/queries';

/** A scored test folder: accuracy, per-label metrics, the confusion matrix, the misses by name. */
export function ScoreResult({ score, folder, unlabelled, onClose }: { score: Evaluation; folder: string; unlabelled: number; onClose: () => void }) {
  const misses = score.items.filter((x) => !x.correct);
  return (
    <section className="score" aria-label="Test folder score" data-testid="score">
      <header className="score-head">
        <h2>Test folder “{folder}”</h2>
        <button type="button" className="button ghost small" onClick={onClose}>
          Close
        </button>
      </header>
      <p className="score-accuracy">
        <strong data-testid="score-accuracy">{percent(score.accuracy)}</strong> right · {score.count} picture{score.count === 1 ? '' : 's'} scored, none added
        to the dataset
        {score.unknownLabels.length > 0 && <span className="muted"> · labels the model does not know: {score.unknownLabels.join(', ')}</span>}
        {unlabelled > 0 && (
          <span className="muted">
            {' '}
            · {unlabelled} picture{unlabelled === 1 ? '' : 's'} outside a label folder left out
          </span>
        )}
      </p>
      {score.failed.length > 0 && (
        <p className="notice" role="alert">
          {score.failed.length} could not be read:{' '}
          {score.failed
            .slice(0, 3)
            .map((f) => f.message)
            .join('; ')}
        </p>
      )}
      <div className="train-metrics">
        <PerClassTable metrics={score} />
        <ConfusionMatrix metrics={score} examples={null} onOpen={() => undefined} />
      </div>
      {misses.length > 0 && (
        <details>
          <summary>
            {misses.length} miss{misses.length === 1 ? '' : 'es'}
          </summary>
          <ul className="score-misses">
            {misses.slice(0, 200).map((m, i) => (
              <li key={i}>
                {m.name}: {m.label} → <strong>{m.predicted}</strong> <span className="muted">{percent(m.confidence)}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
