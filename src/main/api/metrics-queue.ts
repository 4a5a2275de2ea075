import type { PrometheusText } from '../http/index';
import { RUN_BUCKETS_S, type TaskMonitor } from '../services/tasks/index';

const QUANTILES = [
  [0.5, 'p50'],
  [0.9, 'p90'],
  [0.99, 'p99'],
  [1, 'max'],
] as const;

const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000);

/**
 * The task queue's numbers as Prometheus families, beside the HTTP metrics: tasks by kind
 * and state (from the database, so every runner on the file counts), throughput, run and
 * wait time over the last minutes (summaries: quantiles with `_sum` and `_count`), tasks
 * ended and their run time since this process started (a counter and a histogram), and
 * each worker's heartbeat. The queue engine hands over plain numbers; the writer formats.
 */
export function writeQueueMetrics(out: PrometheusText, monitor: TaskMonitor, windowMinutes = 5): void {
  const s = monitor.engineStats(windowMinutes);
  const tasks: [Record<string, string>, number][] = [];
  for (const [kind, states] of Object.entries(s.counts)) {
    for (const [state, n] of Object.entries(states)) tasks.push([{ kind, state }, n ?? 0]);
  }
  out.gauge('loupe_queue_tasks', 'Tasks in the queue now, by kind and state.', tasks);
  out.gauge('loupe_queue_throughput_per_minute', `Tasks ended per minute over the last ${windowMinutes} minutes, by outcome.`, [
    [{ outcome: 'succeeded' }, s.throughput.succeededPerMin],
    [{ outcome: 'failed' }, s.throughput.failedPerMin],
  ]);
  for (const [name, p, what] of [
    ['run', s.latencyMs.run, 'from start to end'],
    ['wait', s.latencyMs.wait, 'from creation to start'],
  ] as const) {
    out.summary(
      `loupe_queue_task_${name}_seconds_window`,
      `Task time ${what}, over tasks ended in the last ${windowMinutes} minutes (quantile 1 is the longest).`,
      [{ labels: {}, quantiles: QUANTILES.map(([q, key]) => [q, seconds(p[key])] as const), sum: p.sum / 1000, count: p.count }],
    );
  }
  const ended: [Record<string, string>, number][] = [];
  for (const [key, n] of monitor.counters.finished) {
    const [kind, state] = key.split('\u0000');
    ended.push([{ kind, state }, n]);
  }
  out.counter('loupe_queue_tasks_ended_total', 'Task attempts that ended in this process, by kind and state.', ended);
  out.histogram(
    'loupe_queue_task_run_seconds',
    'Run time of task attempts that ended in this process, by kind.',
    [...monitor.counters.runSeconds].map(([kind, h]) => ({ labels: { kind }, bounds: RUN_BUCKETS_S, cumulative: h.buckets, sum: h.sum, count: h.count })),
  );
  out.gauge(
    'loupe_queue_worker_heartbeat_timestamp_seconds',
    'When each worker last reported (Unix time).',
    s.workers.map((w) => [{ worker: w.id }, w.heartbeatAt / 1000] as const),
  );
  out.gauge(
    'loupe_queue_worker_up',
    '1 while a worker heartbeats within its lease, else 0.',
    s.workers.map((w) => [{ worker: w.id }, w.alive ? 1 : 0] as const),
  );
  out.gauge(
    'loupe_queue_worker_running',
    'Tasks each worker is running now.',
    s.workers.map((w) => [{ worker: w.id }, w.running] as const),
  );
  out.gauge(
    'loupe_queue_worker_concurrency',
    'Tasks each worker may run at once.',
    s.workers.map((w) => [{ worker: w.id }, w.concurrency] as const),
  );
  out.gauge(
    'loupe_queue_paused',
    '1 for each paused queue ("*": every queue).',
    s.paused.map((q) => [{ queue: q }, 1] as const),
  );
}
