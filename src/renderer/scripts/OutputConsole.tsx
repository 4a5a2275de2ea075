import { useLayoutEffect, useRef } from 'react';
import type { RunView } from './useScriptRun';

function valueText(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? 'nil');
}

/** How a run stands, in words: an error is "Failed", a stop is "Cancelled", never "Finished". */
export function runStatus(view: RunView): { text: string; tone: 'muted' | 'ok' | 'bad' } {
  if (view.state === 'starting') return { text: 'Starting…', tone: 'muted' };
  if (view.state === 'running') return { text: 'Running…', tone: 'muted' };
  if (view.state === 'stopping') return { text: 'Stopping…', tone: 'muted' };
  if (!view.finished) return view.problem ? { text: 'Failed', tone: 'bad' } : { text: 'Ready', tone: 'muted' };
  if (view.cancelled) return { text: 'Cancelled', tone: 'bad' };
  if (view.error || view.problem) return { text: 'Failed', tone: 'bad' };
  return { text: 'Finished', tone: 'ok' };
}

/** Within this many pixels of the bottom, the console keeps following new output. */
const FOLLOW_SLACK = 40;

/** The run's prints, then how it ended; an error with a position jumps to its line. */
export function OutputConsole({ view, onJump, onClear }: { view: RunView; onJump: (line: number, column: number) => void; onClear: () => void }) {
  const status = runStatus(view);
  const body = useRef<HTMLPreElement>(null);
  const following = useRef(true);

  // New output scrolls into view, unless the person scrolled up to read something.
  useLayoutEffect(() => {
    const el = body.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [view.output, view.error, view.problem, view.finished]);

  return (
    <section className="script-console" aria-label="Output">
      <div className="console-head">
        <span className="labels-head">Output</span>
        <span className={`small run-state ${status.tone}`} role="status" data-testid="run-status">
          {status.text}
        </span>
        <span className="spacer" />
        <button type="button" className="button small ghost" onClick={onClear} disabled={view.state !== 'idle'}>
          Clear
        </button>
      </div>
      <pre
        className="console-body"
        data-testid="script-output"
        ref={body}
        onScroll={(e) => {
          const el = e.currentTarget;
          following.current = el.scrollHeight - el.scrollTop - el.clientHeight < FOLLOW_SLACK;
        }}
      >
        {view.output}
        {view.error && (
          <button
            type="button"
            className="console-error"
            data-testid="script-error"
            onClick={() => onJump(view.error!.line, view.error!.column)}
            title="Show this line in the editor"
          >
            Error at {view.error.line}:{view.error.column}: {view.error.message}
          </button>
        )}
        {view.problem && (
          <span className="console-error" role="alert">
            {view.problem}
          </span>
        )}
        {view.finished && !view.error && !view.problem && view.value !== null && view.value !== undefined && (
          <span className="muted">{`→ ${valueText(view.value)}`}</span>
        )}
      </pre>
    </section>
  );
}
