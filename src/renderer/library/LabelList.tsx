import { useState, type DragEvent } from 'react';
import type { DatasetDetail, LabelCount } from '../../shared/contract';
import { filterKey, sameFilter, type Filter } from './filter';
import { isPictureDrag, readPictureDrag } from './labelling/drag';
import { LabelActions } from './labelling/LabelActions';

/** Below this many pictures a label's accuracy rests on one or two held-out pictures: say so. */
export const MIN_TO_MEASURE = 5;

/**
 * The label sidebar: counts per label, "Unlabelled", click to filter, drop pictures from the
 * grid onto a label to label them. Labels stay in creation order, so the digit shortcuts
 * 1–9 never renumber when a label is added.
 */
export function LabelList(props: {
  detail: DatasetDetail | undefined;
  filter: Filter;
  onFilter: (f: Filter) => void;
  onNewLabel: () => void;
  /** Pictures dropped on a label (null: on Unlabelled). */
  onDropPictures: (ids: string[], label: string | null) => void;
  onRename: (label: LabelCount) => void;
  onRecolor: (label: LabelCount) => void;
  onDelete: (label: LabelCount) => void;
}) {
  const { detail, filter, onFilter, onNewLabel, onDropPictures } = props;
  const [over, setOver] = useState<string | null>(null);

  const dropTarget = (key: string, label: string | null) => ({
    onDragOver: (e: DragEvent) => {
      if (!isPictureDrag(Array.from(e.dataTransfer.types))) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      setOver(key);
    },
    onDragLeave: () => setOver((o) => (o === key ? null : o)),
    onDrop: (e: DragEvent) => {
      if (!isPictureDrag(Array.from(e.dataTransfer.types))) return;
      e.preventDefault();
      setOver(null);
      const ids = readPictureDrag(e.dataTransfer);
      if (ids.length > 0) onDropPictures(ids, label);
    },
  });

  const item = (f: Filter, name: string, count: number | undefined, extra?: { label?: LabelCount; key?: number }) => {
    const key = filterKey(f);
    const few = extra?.label !== undefined && (count ?? 0) < MIN_TO_MEASURE;
    const droppable = f.kind !== 'all';
    return (
      <li key={key} className={over === key ? 'drop-over' : undefined} {...(droppable ? dropTarget(key, f.kind === 'label' ? f.name : null) : {})}>
        <button type="button" className="label-item" aria-pressed={sameFilter(filter, f)} onClick={() => onFilter(f)} data-filter={key}>
          {extra?.label ? (
            <span className="swatch" style={{ background: extra.label.color }} aria-hidden="true" />
          ) : (
            <span className="swatch empty" aria-hidden="true" />
          )}
          <span className="label-name">{name}</span>
          {few && (
            <span
              className="few"
              role="img"
              aria-label="too few pictures to measure"
              title={`Too few pictures to measure: give it at least ${MIN_TO_MEASURE} (20 or more is better).`}
            >
              !
            </span>
          )}
          {extra?.key !== undefined && (
            <kbd className="label-key" aria-label={`shortcut ${extra.key}`}>
              {extra.key}
            </kbd>
          )}
          <span className="count" aria-label={`${count ?? 0} pictures`}>
            {count ?? '–'}
          </span>
        </button>
        {extra?.label && <LabelActions label={extra.label} onRename={props.onRename} onRecolor={props.onRecolor} onDelete={props.onDelete} />}
      </li>
    );
  };
  return (
    <aside className="labels" aria-label="Labels">
      <ul>
        {item({ kind: 'all' }, 'All pictures', detail?.imageCount)}
        {item({ kind: 'unlabeled' }, 'Unlabelled', detail?.unlabeledCount, { key: 0 })}
      </ul>
      <h2 className="labels-head">Labels</h2>
      <ul>{detail?.labels.map((l, i) => item({ kind: 'label', name: l.name }, l.name, l.count, { label: l, key: i < 9 ? i + 1 : undefined }))}</ul>
      {detail && detail.labels.length === 0 && <p className="muted small labels-empty">Drop folders to make labels from their names, or add one.</p>}
      <button type="button" className="button ghost small new-label" onClick={onNewLabel}>
        + New label
      </button>
    </aside>
  );
}
