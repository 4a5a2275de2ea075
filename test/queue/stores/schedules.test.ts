import { expect, it } from 'vitest';
import { z } from 'zod';
import { forEachStore, sleep, waitFor } from './harness';

const Input = z.object({ folder: z.string() });

forEachStore((store) => {
  it('fires a due schedule once, even with three runners', async () => {
    const queue = store.make();
    const others = [store.second(queue), store.second(queue)];
    for (const q of [queue, ...others]) q.define('scan', { input: Input, handler: () => 'scanned' });
    await queue.schedule('inbox', '* * * * *', 'scan', { folder: '~/Inbox' });
    await store.setSchedulesDue(queue, Date.now() - 1000);
    for (const q of [queue, ...others]) q.start();
    await waitFor(async () => (await queue.list({ kind: 'scan', state: 'succeeded' })).items.length === 1);
    await sleep(400);
    expect((await queue.list({ kind: 'scan' })).items).toHaveLength(1);
    const s = (await queue.schedules())[0];
    expect(s).toMatchObject({ name: 'inbox', cron: '* * * * *', catchUp: 'once' });
    expect(s.nextRunAt).toBeGreaterThan(Date.now());
    expect(s.lastRunAt).not.toBeNull();
  });

  it('runs missed runs once at start with catchUp once, and skips them with none', async () => {
    const queue = store.make();
    queue.define('scan', { input: Input, handler: () => 'scanned' });
    await queue.schedule('once', '0 * * * *', 'scan', { folder: 'a' }, { catchUp: 'once' });
    await queue.schedule('none', '0 * * * *', 'scan', { folder: 'b' }, { catchUp: 'none' });
    await store.setSchedulesDue(queue, Date.now() - 5 * 3_600_000);
    // Re-registering at start keeps the stored due time, so the missed runs are still seen.
    await queue.schedule('once', '0 * * * *', 'scan', { folder: 'a' }, { catchUp: 'once' });
    queue.start();
    await waitFor(async () => (await queue.schedules()).every((s) => s.nextRunAt > Date.now()));
    await waitFor(async () => (await queue.list({ kind: 'scan', state: 'succeeded' })).items.length === 1);
    expect((await queue.list({ kind: 'scan' })).items.map((t) => t.input)).toEqual([{ folder: 'a' }]);
  });

  it('unschedule removes it', async () => {
    const queue = store.make();
    queue.define('scan', { input: Input, handler: () => 'scanned' });
    await queue.schedule('x', '*/5 * * * *', 'scan', { folder: 'a' }, { tz: 'Europe/Paris' });
    expect(await queue.schedules()).toHaveLength(1);
    expect(await queue.unschedule('x')).toBe(true);
    expect(await queue.schedules()).toHaveLength(0);
  });
});
