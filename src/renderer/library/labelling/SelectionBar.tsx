import type { LabelCount } from '../../../shared/contract';

/**
 * The selection's actions as buttons, for those who label with the mouse: the same things
 * digits, 0, Enter, L and Delete do from the keyboard. Focus goes back to the grid after a
 * click, so the next key still labels.
 */
export function SelectionBar(props: {
  count: number;
  labels: LabelCount[];
  canAccept: boolean;
  onAssign: (label: string | null) => void;
  onAccept: () => void;
  onPick: () => void;
  onDelete: () => void;
  onClear: () => void;
}) {
  const { count, labels, canAccept, onAssign, onAccept, onPick, onDelete, onClear } = props;
  if (count === 0) {
    return (
      <p className="grid-hint muted small" aria-hidden="true">
        Click a picture, then use the arrows; right-click or drag onto a label to label it; ? lists every shortcut
      </p>
    );
  }
  return (
    <div
      className="selection-bar"
      role="toolbar"
      aria-label={`Label ${count} selected picture${count === 1 ? '' : 's'}`}
      onMouseDown={(e) => e.preventDefault()}
    >
      <span className="small">
        <strong>{count}</strong> selected
      </span>
      {labels.slice(0, 9).map((l, i) => (
        <button key={l.name} type="button" className="button small label-button" onClick={() => onAssign(l.name)} title={`Label “${l.name}” (${i + 1})`}>
          <span className="swatch" style={{ background: l.color }} aria-hidden="true" />
          {l.name}
        </button>
      ))}
      <button type="button" className="button small" onClick={onPick} title="Pick or create a label (L)">
        Other label…
      </button>
      <button type="button" className="button small" onClick={() => onAssign(null)} title="Remove the label (0)">
        Remove label
      </button>
      {canAccept && (
        <button type="button" className="button small" onClick={onAccept} title="Accept the model’s guess (Enter)">
          Accept guess
        </button>
      )}
      <span className="spacer" />
      <button type="button" className="button small danger" onClick={onDelete} title="Delete (Delete)">
        Delete…
      </button>
      <button type="button" className="button ghost small" onClick={onClear} title="Clear the selection (Esc)">
        Clear
      </button>
    </div>
  );
}
