import type { QueueStats, TaskState } from '../../shared/contract';
import { ago, formatMs, STATES, STATE_TITLES } from './task-view';
import { BrokerWorkers } from './BrokerWorkers';

function Throughput({ stats }: { stats: QueueStats }) {
  const minutes = stats.throughput.perMinute;
  const top = Math.max(1, ...minutes.map((m) => m.succeeded + m.failed));
  return (
    <div className="tp">
      <p className="tp-numbers">
        <strong data-testid="throughput">{stats.throughput.succeededPerMin.toFixed(1)}</strong> succeeded/min
        {stats.throughput.failedPerMin > 0 ? <span className="tp-failed"> · {stats.throughput.failedPerMin.toFixed(1)} failed/min</span> : null}
      </p>
      <div className="tp-bars" role="img" aria-label={`Tasks ended per minute over the last ${stats.windowMinutes} minutes`}>
        {minutes.map((m) => (
          <div className="tp-bar" key={m.minute} title={`${new Date(m.minute).toLocaleTimeString()}: ${m.succeeded} succeeded, ${m.failed} failed`}>
            <span className="tp-fail" style={{ height: `${(m.failed / top) * 100}%` }} />
            <span className="tp-ok" style={{ height: `${(m.succeeded / top) * 100}%` }} />
          </div>
        ))}
      </div>
    </div>
  );
}

/**
 * The queue at a glance: counts by state and kind, throughput and latency over the last
 * minutes, workers and their heartbeats, and each queue's pause switch.
 */
export function StatsPanel(props: {
  stats: QueueStats | undefined;
  onState: (s: TaskState) => void;
  onKind: (k: string) => void;
  onPause: (queue: string, paused: boolean) => void;
}) {
  const s = props.stats;
  if (!s) return <aside className="task-stats muted">Reading the queue…</aside>;
  const kinds = Object.keys(s.counts).sort();
  const allPaused = s.paused.includes('*');
  return (
    <aside className="task-stats" aria-label="Queue statistics">
      <section>
        <h2>By state</h2>
        <ul className="state-counts">
          {STATES.map((st) => (
            <li key={st}>
              <button type="button" className={`state-count st-${st}`} onClick={() => props.onState(st)} title={`Show ${STATE_TITLES[st].toLowerCase()} tasks`}>
                <span className="count" data-testid={`count-${st}`}>
                  {s.totals[st] ?? 0}
                </span>
                <span>{st}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      {kinds.length > 0 ? (
        <section>
          <h2>By kind</h2>
          <table className="kind-table">
            <tbody>
              {kinds.map((k) => (
                <tr key={k}>
                  <th scope="row">
                    <button type="button" className="link" onClick={() => props.onKind(k)}>
                      {k}
                    </button>
                  </th>
                  <td>
                    {STATES.filter((st) => (s.counts[k][st] ?? 0) > 0)
                      .map((st) => `${s.counts[k][st]} ${st}`)
                      .join(' · ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <section>
        <h2>Last {s.windowMinutes} minutes</h2>
        <Throughput stats={s} />
        <dl className="latency">
          <dt>Run time</dt>
          <dd>
            p50 {formatMs(s.latencyMs.run.p50)} · p90 {formatMs(s.latencyMs.run.p90)} · p99 {formatMs(s.latencyMs.run.p99)}
          </dd>
          <dt>Wait time</dt>
          <dd>
            p50 {formatMs(s.latencyMs.wait.p50)} · p90 {formatMs(s.latencyMs.wait.p90)} · p99 {formatMs(s.latencyMs.wait.p99)}
          </dd>
        </dl>
      </section>
      <section>
        <h2>Workers</h2>
        {s.workers.length === 0 ? <p className="muted small">No worker has started yet.</p> : null}
        <ul className="workers">
          {s.workers.map((w) => (
            <li key={w.id} className={w.alive ? 'alive' : 'gone'}>
              <span className="dot" aria-hidden="true" />
              <span className="worker-id">{w.id}</span>
              <span className="muted small">
                pid {w.pid} · {w.running}/{w.concurrency} running · heartbeat {ago(w.heartbeatAt, Date.parse(s.at))}
                {w.alive ? '' : ' · not responding'}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <BrokerWorkers />
      {s.schedules.length > 0 ? (
        <section>
          <h2>Schedules</h2>
          <ul className="schedules">
            {s.schedules.map((x) => (
              <li key={x.name}>
                <span className="worker-id">{x.name}</span>
                <span className="muted small">
                  <code>{x.cron}</code>
                  {x.tz ? ` ${x.tz}` : ''} → {x.kind} · next {new Date(x.nextRunAt).toLocaleString()}
                  {x.lastRunAt ? ` · last ${ago(x.lastRunAt, Date.parse(s.at))}` : ''}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section>
        <h2>Queues</h2>
        <ul className="queues">
          {s.queues.map((q) => {
            const paused = allPaused || s.paused.includes(q);
            return (
              <li key={q}>
                <span>{q}</span>
                <span className={paused ? 'paused-tag' : 'muted small'}>{paused ? 'paused' : 'running'}</span>
                <button type="button" className="button small" disabled={allPaused} onClick={() => props.onPause(q, !paused)}>
                  {paused ? 'Resume' : 'Pause'}
                </button>
              </li>
            );
          })}
        </ul>
      </section>
    </aside>
  );
}
