import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp, type LoupeApp } from '../../src/main/app';
import { UnrecoverableError } from '../../src/main/queue';
import { call } from './client';

/* /metrics carries the task queue's counters beside the HTTP ones, over real HTTP. */

let dir: string;
let app: LoupeApp;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-metrics-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {} });
  const { tasks } = app.services;
  tasks.queue.define('probe', {
    input: z.object({ fail: z.boolean().optional() }).strict(),
    maxAttempts: 1,
    handler: (input) => {
      if (input.fail) throw new UnrecoverableError('Probe failed.', 'probe_failed');
      return { ok: true };
    },
  });
  tasks.expose('probe');
  base = (await app.listen({ port: 0 })).url;
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const json = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });

async function metrics(): Promise<string> {
  const r = await call(base, 'GET', '/metrics', { token: app.token });
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return r.text;
}

/** The value of one sample, e.g. `loupe_queue_tasks{kind="probe",state="succeeded"}`. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('gave up waiting');
}

describe('/metrics and the queue', () => {
  it('exports tasks by kind and state, ended counters, run-time histogram and worker heartbeats', async () => {
    for (const fail of [false, false, false, true]) {
      const r = await call(base, 'POST', '/v1/tasks', { token: app.token, ...json({ kind: 'probe', input: { fail } }) });
      expect(r.status).toBe(201);
    }
    await waitFor(async () => sample(await metrics(), 'loupe_queue_tasks{kind="probe",state="succeeded"}') === 3);
    const text = await metrics();

    expect(sample(text, 'loupe_queue_tasks{kind="probe",state="dead"}')).toBe(1);
    expect(sample(text, 'loupe_queue_tasks_ended_total{kind="probe",state="succeeded"}')).toBe(3);
    expect(sample(text, 'loupe_queue_tasks_ended_total{kind="probe",state="dead"}')).toBe(1);
    expect(sample(text, 'loupe_queue_task_run_seconds_count{kind="probe"}')).toBe(4);
    expect(sample(text, 'loupe_queue_task_run_seconds_bucket{kind="probe",le="+Inf"}')).toBe(4);
    expect(sample(text, 'loupe_queue_task_run_seconds_bucket{kind="probe",le="3600"}')).toBe(4);
    expect(sample(text, 'loupe_queue_throughput_per_minute{outcome="succeeded"}')).toBeCloseTo(3 / 5);
    expect(sample(text, 'loupe_queue_task_run_seconds_window_count')).toBe(4);
    expect(sample(text, 'loupe_queue_task_run_seconds_window{quantile="0.5"}')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'loupe_queue_worker_up{worker="loupe-main"}')).toBe(1);
    const beat = sample(text, 'loupe_queue_worker_heartbeat_timestamp_seconds{worker="loupe-main"}')!;
    expect(Math.abs(beat - Date.now() / 1000)).toBeLessThan(120);
    // The HTTP metrics are still there beside them.
    expect(text).toMatch(/^loupe_http_requests_total\{method="POST",route="\/v1\/tasks",status="201"\} 4$/m);
    // Every family is declared once, and every sample line is name{labels} value.
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
    for (const l of text
      .trim()
      .split('\n')
      .filter((x) => !x.startsWith('#')))
      expect(l).toMatch(/^[a-z_:]+(\{[^}]*\})? (-?[0-9.e+-]+|NaN)$/);
  });

  // Debian's `prometheus` package (CI installs it: .ci/run) has promtool; without it this test says so and skips.
  const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
  it.skipIf(!promtool)(`passes promtool check metrics${promtool ? '' : ' (SKIPPED: promtool is not installed; apt-get install prometheus)'}`, async () => {
    // Traffic that fills every family: a route pattern, an unmatched path with quotes and a backslash, a 404, a worker.
    await call(base, 'GET', '/v1/health');
    await call(base, 'GET', '/v1/nothing/"quoted"\\back', { token: app.token });
    await call(base, 'GET', '/v1/datasets/999', { token: app.token });
    app.services.tasks.monitor.pause('default');
    const text = await metrics();
    app.services.tasks.monitor.resume('default');
    const r = spawnSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(r.stdout + r.stderr, text).toBe('');
    expect(r.status).toBe(0);
    // docs/api.md lists every family that /metrics writes.
    const doc = readFileSync(join(__dirname, '../../docs/api.md'), 'utf8');
    const families = text
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2]);
    expect(families.length).toBeGreaterThan(10);
    for (const f of families) expect(doc, `docs/api.md names ${f}`).toContain(`\`${f}`);
    // The windowed times are real summaries: quantiles with _sum and _count.
    expect(text).toContain('# TYPE loupe_queue_task_run_seconds_window summary');
    expect(sample(text, 'loupe_queue_task_run_seconds_window_sum')).toBeGreaterThanOrEqual(0);
  });

  it('shows a paused queue', async () => {
    app.services.tasks.monitor.pause('default');
    expect(sample(await metrics(), 'loupe_queue_paused{queue="default"}')).toBe(1);
    app.services.tasks.monitor.resume('default');
    expect(sample(await metrics(), 'loupe_queue_paused{queue="default"}')).toBeNull();
  });

  it('needs the token like every other route', async () => {
    expect((await call(base, 'GET', '/metrics')).status).toBe(401);
  });
});
