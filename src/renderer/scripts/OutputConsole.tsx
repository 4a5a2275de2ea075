import type { RunView } from './useScriptRun';

function valueText(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? 'nil';
}

/** The run's prints, then how it ended; an error with a position jumps to its line. */
export function OutputConsole({ view, onJump, onClear }: { view: RunView; onJump: (line: number, column: number) => void; onClear: () => void }) {
  const status =
    view.state === 'starting' ? 'Starting…' : view.state === 'running' ? 'Running…' : view.state === 'stopping' ? 'Stopping…' : view.finished ? 'Finished' : 'Ready';
  return (
    <section className="script-console" aria-label="Output">
      <div className="console-head">
        <span className="labels-head">Output</span>
        <span className="muted small" role="status">{status}</span>
        <span className="spacer" />
        <button type="button" className="button small ghost" onClick={onClear} disabled={view.state !== 'idle'}>Clear</button>
      </div>
      <pre className="console-body" data-testid="script-output">
        {view.output}
        {view.error && (
          <button type="button" className="console-error" data-testid="script-error" onClick={() => onJump(view.error!.line, view.error!.column)} title="Show this line in the editor">
            Error at {view.error.line}:{view.error.column}: {view.error.message}
          </button>
        )}
        {view.problem && <span className="console-error" role="alert">{view.problem}</span>}
        {view.finished && !view.error && !view.problem && view.value !== null && view.value !== undefined && (
          <span className="muted">{`→ ${valueText(view.value)}`}</span>
        )}
      </pre>
    </section>
  );
}
