import { useQuery } from '@tanstack/react-query';
import { messageOf } from '../lib/errors';
import { percent } from './queries';

/** Two models scored on the same held-out pictures (chosen by content hash), per label, with the difference. */
export function ModelCompare({ a, b }: { a: string; b: string }) {
  const cmp = useQuery({ queryKey: ['model-compare', a, b], queryFn: () => window.loupe.call('models.compare', { a, b }) });
  if (cmp.isError) return <p className="notice">{messageOf(cmp.error)}</p>;
  const c = cmp.data;
  if (!c) return <p className="muted small">Scoring both on the held-out pictures…</p>;
  const labels = [...new Set([...Object.keys(c.a.score.perLabel), ...Object.keys(c.b.score.perLabel)])].sort();
  const share = (p?: { correct: number; total: number }) => (p && p.total > 0 ? p.correct / p.total : undefined);
  const delta = (x?: number, y?: number) => (x === undefined || y === undefined ? '' : `${y - x >= 0 ? '+' : ''}${((y - x) * 100).toFixed(1)}`);
  return (
    <table className="metrics-table compare" aria-label={`${c.a.name} compared with ${c.b.name}`}>
      <caption className="muted small" data-testid="compare-pictures">
        Both scored on the same {c.pictures} held-out pictures
        {c.fallback
          ? ` (too few labelled independently: ${c.leftOut} accepted guesses of these models counted too).`
          : c.leftOut > 0
            ? `; ${c.leftOut} labelled by accepting either model’s guess left out.`
            : '.'}
      </caption>
      <thead>
        <tr>
          <th scope="col">Right</th>
          <th scope="col">{c.a.name}</th>
          <th scope="col">{c.b.name}</th>
          <th scope="col">Δ points</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">all</th>
          <td>{percent(c.a.score.accuracy)}</td>
          <td>{percent(c.b.score.accuracy)}</td>
          <td>{delta(c.a.score.accuracy, c.b.score.accuracy)}</td>
        </tr>
        {labels.map((l) => {
          const x = share(c.a.score.perLabel[l]);
          const y = share(c.b.score.perLabel[l]);
          return (
            <tr key={l}>
              <th scope="row">{l}</th>
              <td>{x === undefined ? '—' : percent(x)}</td>
              <td>{y === undefined ? '—' : percent(y)}</td>
              <td>{delta(x, y)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
