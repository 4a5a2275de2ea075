/** A one-line message under a page's header (what happened and what to do), dismissable. */
export function Notice({ text, onDismiss }: { text: string | null; onDismiss: () => void }) {
  if (!text) return null;
  return (
    <div className="notice" role="alert">
      <span>{text}</span>
      <button type="button" className="button ghost small" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
