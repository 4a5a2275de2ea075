import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Task } from '../../src/main/queue';
import { makeQueue, sleep, waitFor } from './helpers';

const N = z.object({ n: z.number() });

/**
 * The completions of one turn are written in one transaction, each fenced by its attempt
 * (running, same attempt count, same worker): a worker whose lease was lost and whose task
 * another runner took must not overwrite it, even when its completion is flushed together
 * with others that are still valid, and it must not announce it. Guards any future batching
 * of these writes (a multi-row UPDATE was measured and not kept: see bench/queue/NOTES.md).
 */
describe('completions written together', () => {
  async function run(total: number, staleAt: number[]): Promise<void> {
    const { queue, db } = makeQueue({ concurrency: total, workerId: 'w-batch' });
    // All handlers wait on one gate, so every attempt settles in the same turn and one flush writes them.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    queue.define('gated', { input: N, handler: async ({ n }) => (await gate, { n }) });
    const announced = new Map<string, Task>();
    queue.on('task', (t) => void (t.state === 'succeeded' && announced.set(t.id, t)));
    const tasks = queue.enqueueMany(Array.from({ length: total }, (_, n) => ({ kind: 'gated', input: { n } })));
    queue.start();
    await waitFor(
      () => (db.prepare(`SELECT count(*) AS c FROM queue_tasks WHERE state = 'running'`).get() as { c: number }).c === total,
      10_000,
      'all running',
    );

    // Another runner took these over (as after an expired lease): a new attempt under its id.
    const stale = new Set(staleAt.map((i) => tasks[i].id));
    const steal = db.prepare(`UPDATE queue_tasks SET attempts = attempts + 1, worker_id = 'w-other', started_at = 1 WHERE id = ?`);
    for (const id of stale) steal.run(Number(id));

    open();
    await waitFor(() => announced.size === total - stale.size, 10_000, 'the valid completions');
    await sleep(50);

    const rows = db.prepare('SELECT id, state, worker_id, attempts, result, finished_at FROM queue_tasks ORDER BY id').all() as {
      id: number;
      state: string;
      worker_id: string;
      attempts: number;
      result: string | null;
      finished_at: number | null;
    }[];
    for (const [i, r] of rows.entries()) {
      if (stale.has(String(r.id))) {
        // Untouched: still the other runner's attempt, and never announced as done by this one.
        expect(r).toMatchObject({ state: 'running', worker_id: 'w-other', attempts: 2, result: null, finished_at: null });
        expect(announced.has(String(r.id))).toBe(false);
      } else {
        expect(r).toMatchObject({ state: 'succeeded', worker_id: 'w-batch', attempts: 1 });
        expect(JSON.parse(r.result ?? 'null')).toEqual({ n: i });
        expect(r.finished_at).toBeGreaterThan(0);
        expect(announced.get(String(r.id))?.result).toEqual({ n: i });
      }
    }
    expect(announced.size).toBe(total - stale.size);
    await queue.stop({ deadlineMs: 100 });
  }

  it('a stale completion in the middle of a batch is refused while the others in it land', async () => {
    await run(10, [4]);
  });

  it('the same in a large flush (70 at once), first and last rows included', async () => {
    await run(70, [0, 63, 64, 69]);
  });

  it('a batch where every completion is stale changes nothing', async () => {
    await run(3, [0, 1, 2]);
  });
});
