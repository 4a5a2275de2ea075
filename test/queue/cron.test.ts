import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TaskQueue, parseCron } from '../../src/main/queue';
import { makeQueue, openDb, waitFor } from './helpers';

const Input = z.object({ folder: z.string() });

function countKind(queue: TaskQueue, kind: string): number {
  return queue.list({ kind, limit: 1000 }).items.length;
}

describe('cron schedules', () => {
  it("computes the next run in the schedule's time zone", () => {
    const cron = parseCron('30 9 * * *', 'Asia/Tokyo');
    const next = cron.nextRun(new Date('2026-01-01T00:00:00Z'))!;
    expect(next.toISOString()).toBe('2026-01-01T00:30:00.000Z');
  });

  it('fires a due schedule once, even with two runners on the file', async () => {
    const { queue, db, file } = makeQueue();
    queue.define('scan', { input: Input, handler: () => 'scanned' });
    queue.schedule('inbox', '* * * * *', 'scan', { folder: '~/Inbox' });
    db.prepare('UPDATE queue_schedules SET next_run_at = ?').run(Date.now() - 1000);
    const other = new TaskQueue(openDb(file), { pollMs: 50 });
    other.define('scan', { input: Input, handler: () => 'scanned' });
    queue.start();
    other.start();
    await waitFor(() => queue.list({ kind: 'scan', state: 'succeeded' }).items.length === 1);
    await new Promise((r) => setTimeout(r, 300));
    await other.stop();
    expect(countKind(queue, 'scan')).toBe(1);
    const s = queue.schedules()[0];
    expect(s).toMatchObject({ name: 'inbox', cron: '* * * * *', catchUp: 'once' });
    expect(s.nextRunAt).toBeGreaterThan(Date.now());
    expect(s.lastRunAt).not.toBeNull();
  });

  it('runs missed runs once at start with catchUp once, and skips them with none', async () => {
    const { queue, db } = makeQueue();
    queue.define('scan', { input: Input, handler: () => 'scanned' });
    queue.schedule('once', '0 * * * *', 'scan', { folder: 'a' }, { catchUp: 'once' });
    queue.schedule('none', '0 * * * *', 'scan', { folder: 'b' }, { catchUp: 'none' });
    // As if the app had been closed for five hours across five due runs.
    db.prepare('UPDATE queue_schedules SET next_run_at = ?').run(Date.now() - 5 * 3_600_000);
    // Re-registering at start keeps the stored due time, so the missed runs are still seen.
    queue.schedule('once', '0 * * * *', 'scan', { folder: 'a' }, { catchUp: 'once' });
    queue.start();
    await waitFor(() => queue.schedules().every((s) => s.nextRunAt > Date.now()));
    await waitFor(() => queue.list({ kind: 'scan', state: 'succeeded' }).items.length === 1);
    const ran = queue.list({ kind: 'scan' }).items;
    expect(ran.map((t) => t.input)).toEqual([{ folder: 'a' }]);
  });

  it('unschedule removes it', () => {
    const { queue } = makeQueue();
    queue.define('scan', { input: Input, handler: () => 'scanned' });
    queue.schedule('x', '*/5 * * * *', 'scan', { folder: 'a' }, { tz: 'Europe/Paris' });
    expect(queue.schedules()).toHaveLength(1);
    expect(queue.unschedule('x')).toBe(true);
    expect(queue.schedules()).toHaveLength(0);
  });
});
