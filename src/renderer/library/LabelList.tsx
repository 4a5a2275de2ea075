import type { DatasetDetail } from '../../shared/contract';
import { labelHue } from '../lib/label-color';
import { filterKey, sameFilter, type Filter } from './filter';

/** The label sidebar: counts per label, "Unlabelled", click to filter; digits 1–9 follow this order. */
export function LabelList(props: {
  detail: DatasetDetail | undefined;
  filter: Filter;
  onFilter: (f: Filter) => void;
  onNewLabel: () => void;
}) {
  const { detail, filter, onFilter, onNewLabel } = props;
  const item = (f: Filter, name: string, count: number | undefined, extra?: { hue?: number; key?: number }) => (
    <li key={name + f.kind}>
      <button
        type="button"
        className="label-item"
        aria-pressed={sameFilter(filter, f)}
        onClick={() => onFilter(f)}
        data-filter={filterKey(f)}
      >
        {extra?.hue !== undefined ? (
          <span className="swatch" style={{ background: `hsl(${extra.hue} 60% 55%)` }} aria-hidden="true" />
        ) : (
          <span className="swatch empty" aria-hidden="true" />
        )}
        <span className="label-name">{name}</span>
        {extra?.key !== undefined && (
          <kbd className="label-key" aria-label={`shortcut ${extra.key}`}>
            {extra.key}
          </kbd>
        )}
        <span className="count" aria-label={`${count ?? 0} pictures`}>
          {count ?? '–'}
        </span>
      </button>
    </li>
  );
  return (
    <aside className="labels" aria-label="Labels">
      <ul>
        {item({ kind: 'all' }, 'All pictures', detail?.imageCount)}
        {item({ kind: 'unlabeled' }, 'Unlabelled', detail?.unlabeledCount, { key: 0 })}
      </ul>
      <h2 className="labels-head">Labels</h2>
      <ul>
        {detail?.labels.map((l, i) => item({ kind: 'label', name: l.name }, l.name, l.count, { hue: labelHue(l.name), key: i < 9 ? i + 1 : undefined }))}
      </ul>
      {detail && detail.labels.length === 0 && <p className="muted small labels-empty">Drop folders to make labels from their names, or add one.</p>}
      <button type="button" className="button ghost small new-label" onClick={onNewLabel}>
        + New label
      </button>
    </aside>
  );
}
