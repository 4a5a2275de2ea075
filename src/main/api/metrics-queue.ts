import { RUN_BUCKETS_S, type TaskMonitor } from '../services/tasks/index';

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const seconds = (ms: number | null): string => (ms === null ? 'NaN' : String(ms / 1000));

/**
 * The task queue's counters in Prometheus text, beside the HTTP metrics: tasks by kind and
 * state (from the database, so every runner on the file counts), throughput and latency
 * percentiles over the last minutes, tasks ended and their run time since this process
 * started (counters and a histogram), and each worker's heartbeat.
 */
export function renderQueueMetrics(monitor: TaskMonitor, windowMinutes = 5): string {
  const s = monitor.engineStats(windowMinutes);
  const out: string[] = [];
  out.push('# HELP loupe_queue_tasks Tasks in the queue now, by kind and state.');
  out.push('# TYPE loupe_queue_tasks gauge');
  for (const [kind, states] of Object.entries(s.counts)) {
    for (const [state, n] of Object.entries(states)) out.push(`loupe_queue_tasks{kind="${label(kind)}",state="${state}"} ${n}`);
  }
  out.push(`# HELP loupe_queue_throughput_per_minute Tasks ended per minute over the last ${windowMinutes} minutes, by outcome.`);
  out.push('# TYPE loupe_queue_throughput_per_minute gauge');
  out.push(`loupe_queue_throughput_per_minute{outcome="succeeded"} ${s.throughput.succeededPerMin}`);
  out.push(`loupe_queue_throughput_per_minute{outcome="failed"} ${s.throughput.failedPerMin}`);
  for (const [name, p, what] of [
    ['run', s.latencyMs.run, 'from start to end'],
    ['wait', s.latencyMs.wait, 'from creation to start'],
  ] as const) {
    const metric = `loupe_queue_task_${name}_seconds_window`;
    out.push(`# HELP ${metric} Percentiles of task time ${what}, over tasks ended in the last ${windowMinutes} minutes.`);
    out.push(`# TYPE ${metric} gauge`);
    out.push(`${metric}{quantile="0.5"} ${seconds(p.p50)}`);
    out.push(`${metric}{quantile="0.9"} ${seconds(p.p90)}`);
    out.push(`${metric}{quantile="0.99"} ${seconds(p.p99)}`);
    out.push(`${metric}{quantile="1"} ${seconds(p.max)}`);
    out.push(`# HELP ${metric}_count Tasks ended in the window that the percentiles cover.`);
    out.push(`# TYPE ${metric}_count gauge`);
    out.push(`${metric}_count ${p.count}`);
  }
  out.push('# HELP loupe_queue_tasks_ended_total Task attempts that ended in this process, by kind and state.');
  out.push('# TYPE loupe_queue_tasks_ended_total counter');
  for (const [key, n] of monitor.counters.finished) {
    const [kind, state] = key.split('\u0000');
    out.push(`loupe_queue_tasks_ended_total{kind="${label(kind)}",state="${state}"} ${n}`);
  }
  out.push('# HELP loupe_queue_task_run_seconds Run time of task attempts that ended in this process, by kind.');
  out.push('# TYPE loupe_queue_task_run_seconds histogram');
  for (const [kind, h] of monitor.counters.runSeconds) {
    const k = `kind="${label(kind)}"`;
    RUN_BUCKETS_S.forEach((b, i) => out.push(`loupe_queue_task_run_seconds_bucket{${k},le="${b}"} ${h.buckets[i]}`));
    out.push(`loupe_queue_task_run_seconds_bucket{${k},le="+Inf"} ${h.count}`);
    out.push(`loupe_queue_task_run_seconds_sum{${k}} ${h.sum}`);
    out.push(`loupe_queue_task_run_seconds_count{${k}} ${h.count}`);
  }
  out.push('# HELP loupe_queue_worker_heartbeat_timestamp_seconds When each worker last reported (Unix time).');
  out.push('# TYPE loupe_queue_worker_heartbeat_timestamp_seconds gauge');
  for (const w of s.workers) out.push(`loupe_queue_worker_heartbeat_timestamp_seconds{worker="${label(w.id)}"} ${w.heartbeatAt / 1000}`);
  out.push('# HELP loupe_queue_worker_up 1 while a worker heartbeats within its lease, else 0.');
  out.push('# TYPE loupe_queue_worker_up gauge');
  for (const w of s.workers) out.push(`loupe_queue_worker_up{worker="${label(w.id)}"} ${w.alive ? 1 : 0}`);
  out.push('# HELP loupe_queue_worker_running Tasks each worker is running now.');
  out.push('# TYPE loupe_queue_worker_running gauge');
  for (const w of s.workers) out.push(`loupe_queue_worker_running{worker="${label(w.id)}"} ${w.running}`);
  out.push('# HELP loupe_queue_worker_concurrency Tasks each worker may run at once.');
  out.push('# TYPE loupe_queue_worker_concurrency gauge');
  for (const w of s.workers) out.push(`loupe_queue_worker_concurrency{worker="${label(w.id)}"} ${w.concurrency}`);
  out.push('# HELP loupe_queue_paused 1 for each paused queue ("*": every queue).');
  out.push('# TYPE loupe_queue_paused gauge');
  for (const q of s.paused) out.push(`loupe_queue_paused{queue="${label(q)}"} 1`);
  return `${out.join('\n')}\n`;
}
