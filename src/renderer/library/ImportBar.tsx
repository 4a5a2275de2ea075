import type { ImportView } from './useImporter';

/** The progress bar with its cancel button while importing, then the report with any failures. */
export function ImportBar({ view, onCancel, onDismiss }: { view: ImportView; onCancel: () => void; onDismiss: () => void }) {
  if (view.phase === 'idle') return null;
  const running = view.phase === 'running' || view.phase === 'scanning';
  const pct = view.total > 0 ? Math.round((view.done / view.total) * 100) : 0;
  return (
    <section className="import-bar" aria-label="Import">
      {running ? (
        <div className="import-progress">
          <span className="import-status" role="status">
            {view.phase === 'scanning' ? `Looking for pictures… ${view.total > 0 ? `${view.total} found` : ''}` : `Importing ${view.done} of ${view.total}`}
          </span>
          <div className="progress" role="progressbar" aria-label="Import progress" aria-valuemin={0} aria-valuemax={view.total} aria-valuenow={view.done}>
            <div
              className={view.phase === 'scanning' ? 'progress-fill indeterminate' : 'progress-fill'}
              style={{ width: view.phase === 'scanning' ? undefined : `${pct}%` }}
            />
          </div>
          <button type="button" className="button ghost small" onClick={onCancel}>
            Cancel
          </button>
        </div>
      ) : (
        <div className={view.failed.length > 0 ? 'import-report has-failures' : 'import-report'} role="status">
          <div className="import-report-head">
            <span>{view.message}</span>
            <button type="button" className="button ghost small" onClick={onDismiss} aria-label="Dismiss the import report">
              Dismiss
            </button>
          </div>
          {view.failed.length > 0 && (
            <details open={view.failed.length <= 8}>
              <summary>
                {view.failed.length} file{view.failed.length === 1 ? '' : 's'} skipped
              </summary>
              <ul className="failures" aria-label="Files that were not imported">
                {view.failed.slice(0, 500).map((f, i) => (
                  <li key={i}>
                    <strong>{f.name}</strong> — {f.message}
                  </li>
                ))}
                {view.failed.length > 500 && <li>…and {view.failed.length - 500} more.</li>}
              </ul>
            </details>
          )}
        </div>
      )}
    </section>
  );
}
