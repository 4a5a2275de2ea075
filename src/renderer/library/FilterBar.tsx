import { useEffect, useRef, useState } from 'react';
import type { ImageSort } from '../../shared/contract';
import { allPictures, narrows, type Filter, type GridQuery } from './filter';

const DEBOUNCE_MS = 300;

type Agreement = 'any' | 'agrees' | 'disagrees' | 'unlabelled';

const SORT_NAMES: Array<[ImageSort, string]> = [
  ['added', 'Date added'],
  ['name', 'Name'],
  ['-confidence', 'Surest guess first'],
  ['confidence', 'Least sure first'],
];

/**
 * A text field whose value reaches the address only after typing pauses (one Back step per
 * search, not per key), and which follows the address when Back or Forward changes it.
 */
function useDebounced(value: string, commit: (v: string) => void, normalize: (draft: string) => string): [string, (v: string) => void] {
  const [draft, setDraft] = useState(value);
  const typed = useRef(value);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(commit);
  latest.current = commit;
  useEffect(() => {
    // The address changed: follow it, unless it only says what is typed (a trailing space, "0.").
    if (normalize(typed.current) === value) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    typed.current = value;
    setDraft(value);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- normalize is a pure function of the draft
  }, [value]);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const change = (v: string) => {
    typed.current = v;
    setDraft(v);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      latest.current(v);
    }, DEBOUNCE_MS);
  };
  return [draft, change];
}

function confidenceOf(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
}

/**
 * Above the grid: what the model guesses, how sure it is, whether guess and label agree,
 * the file name, the order; and "Select all N", which selects every picture that matches
 * (not only the loaded ones) so Enter accepts the guesses of all of them in one undo step.
 */
export function FilterBar(props: {
  labels: string[];
  filter: Filter;
  query: GridQuery;
  hasModel: boolean;
  total: number | undefined;
  selected: number;
  onChange: (filter: Filter, query: GridQuery) => void;
  onSelectAll: () => void;
}) {
  const { labels, filter, query, hasModel, total, selected, onChange, onSelectAll } = props;
  const set = (patch: Partial<GridQuery>) => onChange(filter, { ...query, ...patch });
  const [search, setSearch] = useDebounced(
    query.q ?? '',
    (v) => set({ q: v.trim() || undefined }),
    (v) => v.trim(),
  );
  const [min, setMin] = useDebounced(
    query.min?.toString() ?? '',
    (v) => set({ min: confidenceOf(v) }),
    (v) => confidenceOf(v)?.toString() ?? '',
  );
  const [max, setMax] = useDebounced(
    query.max?.toString() ?? '',
    (v) => set({ max: confidenceOf(v) }),
    (v) => confidenceOf(v)?.toString() ?? '',
  );
  const agreement: Agreement = filter.kind === 'unlabeled' ? 'unlabelled' : (query.agreement ?? 'any');
  const chooseAgreement = (a: Agreement) => {
    if (a === 'unlabelled') return onChange({ kind: 'unlabeled' }, { ...query, agreement: undefined });
    onChange(filter.kind === 'unlabeled' ? allPictures : filter, { ...query, agreement: a === 'any' ? undefined : a });
  };
  const badRange = (min !== '' && confidenceOf(min) === undefined) || (max !== '' && confidenceOf(max) === undefined);
  const filtered = narrows(query) || filter.kind !== 'all';

  return (
    <div className="filter-bar" role="search" aria-label="Filter pictures">
      <label className="small filter-field">
        Guess
        <select
          value={query.predicted ?? ''}
          onChange={(e) => set({ predicted: e.target.value || undefined })}
          aria-label="Predicted label"
          disabled={!hasModel && !query.predicted}
        >
          <option value="">Any</option>
          {labels.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="small filter-field confidence-range" disabled={!hasModel && query.min === undefined && query.max === undefined}>
        <legend className="visually-hidden">Confidence range</legend>
        Confidence
        <input
          type="number"
          min={0}
          max={1}
          step={0.05}
          placeholder="0"
          value={min}
          onChange={(e) => setMin(e.target.value)}
          aria-label="Lowest confidence"
          aria-invalid={badRange}
        />
        –
        <input
          type="number"
          min={0}
          max={1}
          step={0.05}
          placeholder="1"
          value={max}
          onChange={(e) => setMax(e.target.value)}
          aria-label="Highest confidence"
          aria-invalid={badRange}
        />
      </fieldset>
      <div className="segmented small" role="group" aria-label="Guess and label">
        {(['any', 'agrees', 'disagrees', 'unlabelled'] as const).map((a) => (
          <button
            key={a}
            type="button"
            aria-pressed={agreement === a}
            onClick={() => chooseAgreement(a)}
            disabled={!hasModel && (a === 'agrees' || a === 'disagrees') && agreement !== a}
          >
            {a === 'any' ? 'All' : a === 'agrees' ? 'Agrees' : a === 'disagrees' ? 'Disagrees' : 'Unlabelled'}
          </button>
        ))}
      </div>
      <input
        type="search"
        className="filter-search small"
        placeholder="File name"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        aria-label="Search file names"
      />
      <label className="small filter-field">
        Sort
        <select
          value={query.sort ?? 'added'}
          onChange={(e) => set({ sort: e.target.value === 'added' ? undefined : (e.target.value as ImageSort) })}
          aria-label="Sort by"
        >
          {SORT_NAMES.map(([v, name]) => (
            <option key={v} value={v} disabled={!hasModel && v.includes('confidence')}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <span className="spacer" />
      {filtered && (
        <button type="button" className="button ghost small" onClick={() => onChange(allPictures, { sort: query.sort })}>
          Clear filters
        </button>
      )}
      {total !== undefined && total > 0 && selected < total && (
        <button type="button" className="button small" onClick={onSelectAll} title="Select every picture that matches (Ctrl+A); Enter then accepts the guesses">
          Select all {total}
        </button>
      )}
    </div>
  );
}
