// A run's output cannot grow without bound: long lines are cut, the run's total is capped
// (and says so), host-call arguments are measured before they leave the script's thread,
// and what a run leaves in the database (task log, result, error) stays small.
// Real worker threads, the real queue database, the real HTTP server.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import {
  LINE_CUT_NOTE,
  MAX_ERROR_MESSAGE_CHARS,
  MAX_LOG_LINE_CHARS,
  MAX_RUN_OUTPUT_BYTES,
  MAX_TASKS_PER_RUN,
  OUTPUT_CUT_NOTE,
  OutputBudget,
  jsonSizeWithin,
} from '../../src/main/services/scripts/limits';
import type { Task } from '../../src/shared/contract/index';
import { call } from '../api/client';
import { waitFor } from './vision-pictures';

let dir: string;
let app: LoupeApp;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-output-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
  base = (await app.listen({ port: 0 })).url;
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const src = (body: string) => `import "loupe" as loupe\n${body}`;
const ended = (id: string): Promise<Task> =>
  waitFor(
    () => {
      const t = app.services.tasks.get(id);
      return t.state === 'succeeded' || t.state === 'dead' || t.state === 'cancelled' ? t : undefined;
    },
    `task ${id}`,
    120_000,
  );
/** A script run as a task, as from the Scripts page, with the streamed output collected. */
async function runTask(body: string): Promise<{ task: Task; streamed: string }> {
  const r = await app.dispatcher.call('scripts.run', { source: src(body), timeoutMs: 100_000 });
  if (!r.ok) throw new Error(r.error.message);
  const { runId } = r.value as { runId: string };
  let streamed = '';
  const off = app.bus.subscribe((event, payload) => {
    const p = payload as { runId: string; text?: string };
    if (event === 'script.output' && p.runId === runId) streamed += p.text;
  });
  try {
    return { task: await ended(runId), streamed };
  } finally {
    off();
  }
}
const queueDbBytes = () => ['queue.db', 'queue.db-wal'].reduce((n, f) => n + (statSync(join(dir, 'data', f), { throwIfNoEntry: false })?.size ?? 0), 0);
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('the output budget', () => {
  it('cuts lines across chunks and the total once, saying so', () => {
    const b = new OutputBudget(100_000);
    const line = 'x'.repeat(MAX_LOG_LINE_CHARS - 5);
    expect(b.take(line)).toBe(line);
    expect(b.take('0123456789\nnext')).toBe(`01234${LINE_CUT_NOTE}\nnext`);
    let out = '';
    for (let i = 0; i < 50; i++) out += b.take(`${'y'.repeat(5000)}\n`);
    expect(bytes(out)).toBeLessThan(100_000);
    expect(out.endsWith('\n… [output cut: limit 100000 bytes reached]\n')).toBe(true);
    expect(b.take('more')).toBe('');
  });

  it('never splits a multi-byte character at the cut', () => {
    const b = new OutputBudget(10);
    expect(b.take('ab🙂🙂🙂')).toBe('ab🙂🙂\n… [output cut: limit 10 bytes reached]\n');
  });

  it('measures values without walking past the limit', () => {
    expect(jsonSizeWithin({ a: [1, 'xy', null] }, 1000)).toBe(JSON.stringify({ a: [1, 'xy', null] }).length);
    const huge = Array.from({ length: 1_000_000 }, () => 'x');
    expect(jsonSizeWithin(huge, 1000)).toBe(1001);
  });
});

describe('prints and logs of a run', () => {
  it('cuts a long print line and says so, in the result and in the stream', async () => {
    const { task, streamed } = await runTask(`print("a" + "b".repeat(50000))\nprint("after")\n1`);
    expect(task.state).toBe('succeeded');
    const output = (task.result as { output: string }).output;
    expect(output).toBe(`a${'b'.repeat(MAX_LOG_LINE_CHARS - 1)}${LINE_CUT_NOTE}\nafter\n`);
    expect(streamed).toBe(output);
  });

  it('caps a flood of prints and logs at the run limit, and the task log and database stay small', async () => {
    const before = queueDbBytes();
    // 400 × 2 × 100,000 characters tried: 80 MB, while one run may keep 1 MiB.
    const { task, streamed } = await runTask(`let line = "z".repeat(${MAX_LOG_LINE_CHARS * 10})\nfor i in range(400) { print(line)\nloupe.log(line) }\n"done"`);
    expect(task.state).toBe('succeeded');
    const result = task.result as { output: string; value: string };
    expect(result.value).toBe('done');
    expect(bytes(result.output)).toBeLessThanOrEqual(MAX_RUN_OUTPUT_BYTES + bytes(OUTPUT_CUT_NOTE));
    expect(result.output.endsWith(OUTPUT_CUT_NOTE)).toBe(true);
    expect(result.output).toContain('[output cut: limit 1 MiB reached]');
    expect(streamed).toBe(result.output);
    for (const l of result.output.split('\n')) expect(l.length).toBeLessThanOrEqual(MAX_LOG_LINE_CHARS + LINE_CUT_NOTE.length);
    const logs = app.services.tasks.queue.logs(task.id, 100_000);
    const logged = logs.reduce((n, l) => n + bytes(l.message), 0);
    expect(logged).toBeLessThanOrEqual(MAX_RUN_OUTPUT_BYTES + 1000);
    // The queue's database holds the capped output twice at most (log + result), not 80 MB.
    expect(queueDbBytes() - before).toBeLessThan(8 * MAX_RUN_OUTPUT_BYTES);
  });

  it('refuses a host-call argument over the limit before it leaves the worker, as a catchable error', async () => {
    const r = await app.services.scripts.runNow(src(`let m = nil\ntry { loupe.log("q".repeat(3000000)) } catch e { m = e.message }\nm`), 30_000);
    expect(r).toMatchObject({ ok: true, value: 'The arguments of loupe.log are larger than 1 MiB; pass less at a time.' });
    expect(r.output).toBe('');
    const nested = await app.services.scripts.runNow(
      src(
        `let xs = []\nfor i in range(20000) { push(xs, "0123456789012345678901234567890123456789012345678901234567890123") }\nloupe.enqueue("script", {"source": "1", "junk": xs})`,
      ),
      30_000,
    );
    expect(nested).toMatchObject({ ok: false, error: { message: 'The arguments of loupe.enqueue are larger than 1 MiB; pass less at a time.' } });
  });
});

describe('what a run leaves in the database', () => {
  it('keeps a huge return value out of the task result, with a note', async () => {
    const { task } = await runTask(`"v".repeat(${MAX_RUN_OUTPUT_BYTES * 3})`);
    expect(task.state).toBe('succeeded');
    expect(task.result).toEqual({ output: '[the value is larger than 1 MiB and was not kept]\n', value: null });
  });

  it('cuts a huge error message', async () => {
    const { task } = await runTask(`throw "e".repeat(500000)`);
    expect(task.state).toBe('dead');
    expect(task.error!.message.length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS + 100);
    expect(task.error!.message).toMatch(/… \[cut: 500000 characters\] \(line 2, column 1\)$/);
  });

  it('lets one run queue a bounded number of tasks', async () => {
    const ds = app.services.library.createDataset('empty').id;
    const r = await app.services.scripts.runNow(
      src(
        `let n = 0\nlet err = nil\nfor i in range(${MAX_TASKS_PER_RUN + 20}) { try { loupe.enqueue("embed", {"datasetId": ${JSON.stringify(ds)}})\nn += 1 } catch e { err = e.message } }\n[n, err]`,
      ),
      60_000,
    );
    expect(r).toMatchObject({
      ok: true,
      value: [MAX_TASKS_PER_RUN, `A run may queue at most ${MAX_TASKS_PER_RUN} tasks; queue fewer, larger ones (an import takes many paths).`],
    });
  });
});

describe('over HTTP', () => {
  it('POST /v1/scripts/run answers a capped output', async () => {
    const r = await call(base, 'POST', '/v1/scripts/run', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: `for i in range(300) { print("w".repeat(9000)) }\n1`, timeoutMs: 30_000 }),
      token: app.token,
    });
    expect(r.status, r.text.slice(0, 200)).toBe(200);
    expect(bytes(r.json.output)).toBeLessThanOrEqual(MAX_RUN_OUTPUT_BYTES + bytes(OUTPUT_CUT_NOTE));
    expect(r.json.output.endsWith(OUTPUT_CUT_NOTE)).toBe(true);
  });
});
