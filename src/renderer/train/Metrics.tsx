import type { RunMetrics } from '../../shared/contract';
import { percent } from './queries';

/** Precision, recall and F1 per label, worst F1 first: what to fix next is at the top. */
export function PerClassTable({ metrics }: { metrics: RunMetrics }) {
  const rows = Object.entries(metrics.perClass).sort((a, b) => a[1].f1 - b[1].f1 || (a[0] < b[0] ? -1 : 1));
  return (
    <table className="metrics-table" aria-label="Per-label precision, recall and F1">
      <thead>
        <tr>
          <th scope="col">Label</th>
          <th scope="col">Precision</th>
          <th scope="col">Recall</th>
          <th scope="col">F1</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, m]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{percent(m.precision)}</td>
            <td>{percent(m.recall)}</td>
            <td>{percent(m.f1)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Rows are the true labels, columns the predicted ones. A cell with pictures is a button:
 * it opens those pictures (the run keeps the image ids of every cell).
 */
export function ConfusionMatrix({
  metrics,
  examples,
  onOpen,
}: {
  metrics: RunMetrics;
  examples: string[][][] | null;
  onOpen: (cell: { truth: string; predicted: string; ids: string[] }) => void;
}) {
  const { labels, matrix } = metrics.confusion;
  const max = Math.max(1, ...matrix.flat());
  return (
    <table className="confusion" aria-label="Confusion matrix: rows are true labels, columns predicted labels">
      <thead>
        <tr>
          <th scope="col" className="corner">
            true ↓ / predicted →
          </th>
          {labels.map((l) => (
            <th key={l} scope="col">
              {l}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {labels.map((truth, t) => (
          <tr key={truth}>
            <th scope="row">{truth}</th>
            {labels.map((predicted, p) => {
              const n = matrix[t][p];
              const ids = examples?.[t]?.[p] ?? [];
              const shade = n === 0 ? 0 : 0.12 + 0.6 * (n / max);
              return (
                <td key={predicted} className={t === p ? 'diag' : n > 0 ? 'off' : ''} style={{ ['--shade' as string]: shade }}>
                  {n > 0 && ids.length > 0 ? (
                    <button
                      type="button"
                      className="cell-button"
                      onClick={() => onOpen({ truth, predicted, ids })}
                      title={`${n} “${truth}” predicted as “${predicted}”`}
                    >
                      {n}
                    </button>
                  ) : (
                    <span>{n}</span>
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
