import { useState } from 'react';
import type { Model } from '../../shared/contract';
import { percent } from './queries';

/**
 * Every model version of the dataset, newest first. Ticking two shows them side by side:
 * overall accuracy and F1 per label, with the difference.
 */
export function ModelHistory({ models, onExport }: { models: Model[]; onExport: (m: Model) => void }) {
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));
  const pair = picked.map((id) => models.find((m) => m.id === id)).filter((m): m is Model => Boolean(m));
  return (
    <section className="model-history" aria-labelledby="models-title">
      <h2 id="models-title">Models</h2>
      {models.length === 0 ? (
        <p className="muted">No model yet. Label pictures with at least two labels and Loupe trains one.</p>
      ) : (
        <ul className="model-list">
          {models.map((m) => (
            <li key={m.id}>
              <label>
                <input type="checkbox" checked={picked.includes(m.id)} onChange={() => toggle(m.id)} aria-label={`Compare ${m.name}`} />
                <span className="model-name">{m.name}</span>
              </label>
              <span className="muted small">{new Date(m.createdAt).toLocaleString()}</span>
              <span className="model-acc">{percent(m.metrics.accuracy)}</span>
              <button type="button" className="button ghost small" onClick={() => onExport(m)}>
                Export
              </button>
            </li>
          ))}
        </ul>
      )}
      {pair.length === 2 ? <Compare a={pair[0]} b={pair[1]} /> : models.length > 1 ? <p className="muted small">Tick two models to compare them.</p> : null}
    </section>
  );
}

function Compare({ a, b }: { a: Model; b: Model }) {
  const labels = [...new Set([...Object.keys(a.metrics.perClass), ...Object.keys(b.metrics.perClass)])].sort();
  const delta = (x?: number, y?: number) => (x === undefined || y === undefined ? '' : `${y - x >= 0 ? '+' : ''}${((y - x) * 100).toFixed(1)}`);
  return (
    <table className="metrics-table compare" aria-label={`${a.name} compared with ${b.name}`}>
      <thead>
        <tr>
          <th scope="col">F1</th>
          <th scope="col">{a.name}</th>
          <th scope="col">{b.name}</th>
          <th scope="col">Δ points</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">accuracy</th>
          <td>{percent(a.metrics.accuracy)}</td>
          <td>{percent(b.metrics.accuracy)}</td>
          <td>{delta(a.metrics.accuracy, b.metrics.accuracy)}</td>
        </tr>
        {labels.map((l) => (
          <tr key={l}>
            <th scope="row">{l}</th>
            <td>{a.metrics.perClass[l] ? percent(a.metrics.perClass[l].f1) : '—'}</td>
            <td>{b.metrics.perClass[l] ? percent(b.metrics.perClass[l].f1) : '—'}</td>
            <td>{delta(a.metrics.perClass[l]?.f1, b.metrics.perClass[l]?.f1)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
