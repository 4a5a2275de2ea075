import type { UndoNoticeState } from './useLabelling';

/** "7 pictures unlabelled · Undo": what the last action did, with the way back. */
export function UndoNotice(props: { notice: UndoNoticeState | null; onUndo: () => void; onRedo: () => void; onDismiss: () => void }) {
  const { notice, onUndo, onRedo, onDismiss } = props;
  if (!notice) return null;
  return (
    <div className={notice.error ? 'notice' : 'notice info'} role={notice.error ? 'alert' : 'status'} data-testid="undo-notice">
      <span>{notice.text}</span>
      <span className="notice-actions">
        {notice.offer === 'undo' && (
          <button type="button" className="button small" onClick={onUndo} title="Undo (Ctrl+Z)">
            Undo
          </button>
        )}
        {notice.offer === 'redo' && (
          <button type="button" className="button small" onClick={onRedo} title="Redo (Ctrl+Shift+Z)">
            Redo
          </button>
        )}
        <button type="button" className="button ghost small" onClick={onDismiss}>
          Dismiss
        </button>
      </span>
    </div>
  );
}
