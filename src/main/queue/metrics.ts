import type { QueueStats } from './types';

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * The queue's stats in the Prometheus text exposition format, for a `/metrics` route:
 * task counts by kind and state, throughput and latency over the stats window, workers.
 */
export function formatMetrics(stats: QueueStats, prefix = 'queue'): string {
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, rows: [Record<string, string>, number | null][]) => {
    out.push(`# HELP ${prefix}_${name} ${help}`, `# TYPE ${prefix}_${name} ${type}`);
    for (const [labels, value] of rows) {
      if (value === null) continue;
      const l = Object.entries(labels).map(([k, v]) => `${k}="${label(v)}"`).join(',');
      out.push(`${prefix}_${name}${l ? `{${l}}` : ''} ${value}`);
    }
  };
  const counts: [Record<string, string>, number][] = [];
  for (const [kind, states] of Object.entries(stats.counts)) {
    for (const [state, n] of Object.entries(states)) counts.push([{ kind, state }, n ?? 0]);
  }
  metric('tasks', 'gauge', 'Tasks stored, by kind and state.', counts);
  metric('throughput_per_minute', 'gauge', `Tasks finished per minute over the last ${stats.windowMs / 60_000} minutes.`, [
    [{ outcome: 'succeeded' }, stats.throughput.succeededPerMin],
    [{ outcome: 'failed' }, stats.throughput.failedPerMin],
  ]);
  const lat = (which: 'run' | 'wait') =>
    (['p50', 'p90', 'p99', 'max'] as const).map((q): [Record<string, string>, number | null] => [{ quantile: q }, stats.latencyMs[which][q]]);
  metric('run_latency_ms', 'gauge', 'Run time of tasks finished in the window (start to end).', lat('run'));
  metric('wait_latency_ms', 'gauge', 'Wait of tasks finished in the window (created to started).', lat('wait'));
  metric('workers', 'gauge', 'Runners with a recent heartbeat.', [[{}, stats.workers.filter((w) => w.alive).length]]);
  metric('worker_running', 'gauge', 'Tasks running per runner.', stats.workers.map((w) => [{ worker: w.id }, w.running]));
  metric('paused_queues', 'gauge', 'Queues paused (* means all).', stats.paused.map((q) => [{ queue: q }, 1]));
  return out.join('\n') + '\n';
}
