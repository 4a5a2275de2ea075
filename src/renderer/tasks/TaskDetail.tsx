import type { Task, TaskInspection } from '../../shared/contract';
import { canCancel, canRetry, formatTime, STATE_TITLES } from './task-view';
import { stateTag, taskFacts, taskTitle, type Names } from './task-title';

const MAX_INPUT_CHARS = 4000;

function json(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value, null, 2) ?? 'null';
  } catch {
    s = String(value);
  }
  return s.length > MAX_INPUT_CHARS ? `${s.slice(0, MAX_INPUT_CHARS)}\n… (${s.length - MAX_INPUT_CHARS} more characters)` : s;
}

const EVENT_TITLES: Record<TaskInspection['timeline'][number]['event'], string> = {
  created: 'Queued',
  started: 'Started',
  succeeded: 'Succeeded',
  failed: 'Failed, will retry',
  dead: 'Failed for good',
  cancelled: 'Cancelled',
  requeued: 'Put back in the queue',
  retried: 'Retried by hand',
};

function Fact({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd className="task-fact">{value}</dd>
    </>
  );
}

function ChildRow({ child, onSelect }: { child: Task; onSelect: (id: string) => void }) {
  return (
    <li>
      <button type="button" className="link" onClick={() => onSelect(child.id)}>
        #{child.id} {child.kind}
      </button>
      <span className={`state-tag st-${child.state}`}>{stateTag(child)}</span>
      {child.error ? <span className="task-error small">{child.error.message}</span> : null}
    </li>
  );
}

/**
 * One task: what it was given, its attempts and errors (messages only, never a stack),
 * its progress, the timeline of its states, its children, and retry/cancel.
 */
export function TaskDetail(props: {
  inspection: TaskInspection | undefined;
  loadError: string | null;
  busy: boolean;
  onRetry: (id: string) => void;
  onCancel: (id: string) => void;
  onSelect: (id: string) => void;
  onClose: () => void;
  names: Names;
}) {
  const d = props.inspection;
  if (props.loadError) return <section className="task-detail notice">{props.loadError}</section>;
  if (!d) return <section className="task-detail muted">Reading the task…</section>;
  const t = d.task;
  const active = t.state === 'running' || t.state === 'queued';
  return (
    <section className="task-detail" aria-label={`Task ${t.id}`}>
      <header className="task-detail-head">
        <h2>
          {taskTitle(t, props.names)} <span className="muted">#{t.id}</span>
        </h2>
        <span className={`state-tag st-${t.state}`} data-testid="detail-state">
          {t.state === 'running' && t.startedAt === null ? 'Claimed by a worker, waiting for a free slot' : STATE_TITLES[t.state]}
        </span>
        <span className="spacer" />
        <button type="button" className="button small" disabled={!canRetry(t) || props.busy} onClick={() => props.onRetry(t.id)} title="R">
          {t.state === 'dead' ? 'Re-queue' : 'Retry'}
        </button>
        <button type="button" className="button small" disabled={!canCancel(t) || props.busy} onClick={() => props.onCancel(t.id)} title="X">
          Cancel
        </button>
        <button type="button" className="button ghost small" onClick={props.onClose} aria-label="Close the details" title="Esc">
          ✕
        </button>
      </header>
      {active || t.progress > 0 ? (
        <div className="import-progress task-detail-progress">
          <span
            className="progress"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(t.progress * 100)}
            aria-label="Progress"
          >
            <span className="progress-fill" style={{ width: `${Math.round(t.progress * 100)}%` }} />
          </span>
          <span className="small">{t.progressMessage ?? `${Math.round(t.progress * 100)} %`}</span>
        </div>
      ) : null}
      {t.error ? (
        <p className="task-error-box" role="alert" data-testid="detail-error">
          {t.error.message} <span className="muted small">({t.error.code})</span>
        </p>
      ) : null}
      <dl className="task-facts">
        {taskFacts(t, props.names).map(([k, v]) => (
          <Fact key={k} name={k} value={v} />
        ))}
        <dt>Kind</dt>
        <dd>{t.kind}</dd>
        <dt>Attempts</dt>
        <dd>
          {t.attempts} of {t.maxAttempts}
        </dd>
        <dt>Queue</dt>
        <dd>
          {d.queue} · priority {t.priority}
        </dd>
        <dt>Created</dt>
        <dd>{new Date(t.createdAt).toLocaleString()}</dd>
        {t.state === 'queued' || t.state === 'failed' ? (
          <>
            <dt>Runs at</dt>
            <dd>{new Date(t.runAt).toLocaleString()}</dd>
          </>
        ) : null}
        {d.parentId ? (
          <>
            <dt>Part of</dt>
            <dd>
              <button type="button" className="link" onClick={() => props.onSelect(d.parentId!)}>
                task #{d.parentId}
              </button>
            </dd>
          </>
        ) : null}
      </dl>
      <h3>Timeline</h3>
      <ol className="timeline">
        {d.timeline.map((e, i) => (
          <li key={i} className={`tl-${e.event}`}>
            <time dateTime={e.at}>{formatTime(e.at)}</time>
            <span>
              {EVENT_TITLES[e.event]}
              {e.attempt > 0 && e.event !== 'created' ? <span className="muted small"> · attempt {e.attempt}</span> : null}
              {e.error ? <span className="task-error small"> — {e.error.message}</span> : null}
            </span>
          </li>
        ))}
      </ol>
      {d.workflow ? (
        <>
          <h3>
            {d.workflow === 'chain' ? 'Steps' : 'Members'} ({d.children.length})
          </h3>
          <ol className="children">
            {d.children.map((c) => (
              <ChildRow key={c.id} child={c} onSelect={props.onSelect} />
            ))}
          </ol>
        </>
      ) : null}
      {/* The raw input and result stay one click away for those who want them. */}
      <details className="task-raw">
        <summary>Input and result as sent (JSON)</summary>
        <pre className="task-json">{json(t.input)}</pre>
        {t.state === 'succeeded' ? <pre className="task-json">{json(t.result)}</pre> : null}
      </details>
    </section>
  );
}
