// Issue #12 item 2b: a scheduled script that fails three times in a row is paused, the
// pause survives a restart, the API says so and why, and setting the schedule resumes it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { waitFor } from './vision-pictures';

let dir: string;
let app: LoupeApp;
const open = () => createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-scripts-pause-'));
  app = await open();
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const ok = async (method: string, params: unknown) => {
  const r = await app.dispatcher.call(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as any;
};

/** Runs what the schedule's tick enqueues, now, and waits for it to end. */
async function tick(id: string): Promise<string> {
  const s = app.services.tasks.queue.schedules().find((x) => x.name === `script:${id}`);
  expect(s).toBeDefined();
  const task = app.services.tasks.queue.enqueue(s!.kind, s!.input, { maxAttempts: 1 });
  const done = await waitFor(
    () => {
      const t = app.services.tasks.get(String(task.id));
      return t.state === 'queued' || t.state === 'running' ? undefined : t;
    },
    'the scheduled run',
    30_000,
  );
  return done.state;
}

describe('a scheduled script that keeps failing is paused', () => {
  it('pauses after three failures in a row, keeps the pause across a restart, and resumes on request', async () => {
    // Fails on every run: the source reads a counter it never has.
    const saved = await ok('scripts.save', { name: 'Always fails', source: 'print("tick")\nthrow "boom"' });
    await ok('scripts.schedule.set', { id: saved.id, cron: '*/5 * * * *', enabled: true });

    expect(await tick(saved.id)).toBe('dead');
    expect(await tick(saved.id)).toBe('dead');
    expect((await ok('scripts.get', { id: saved.id })).schedule).toMatchObject({ enabled: true, paused: null });
    expect(await tick(saved.id)).toBe('dead');

    const paused = (await ok('scripts.get', { id: saved.id })).schedule;
    expect(paused).toMatchObject({ cron: '*/5 * * * *', enabled: false, paused: { at: expect.any(String) } });
    expect(paused.paused.reason).toBe('Paused after 3 failed runs in a row. Last error: boom (line 2, column 1).');
    expect(app.services.tasks.queue.schedules().some((x) => x.name === `script:${saved.id}`)).toBe(false);

    // Persisted: a restart neither forgets the pause nor registers the schedule again.
    await app.close();
    app = await open();
    expect((await ok('scripts.get', { id: saved.id })).schedule.paused.reason).toMatch(/^Paused after 3 failed runs/);
    expect(app.services.tasks.queue.schedules().some((x) => x.name === `script:${saved.id}`)).toBe(false);

    // Resume: setting the schedule again clears the pause and the count.
    const resumed = await ok('scripts.schedule.set', { id: saved.id, cron: '*/5 * * * *', enabled: true });
    expect(resumed.schedule).toEqual({ cron: '*/5 * * * *', enabled: true, paused: null });
    expect(app.services.tasks.queue.schedules().some((x) => x.name === `script:${saved.id}`)).toBe(true);
  }, 120_000);

  it('a success in between resets the count; runs not from the schedule do not count', async () => {
    const saved = await ok('scripts.save', { name: 'Flaky', source: 'throw "no"' });
    await ok('scripts.schedule.set', { id: saved.id, cron: '0 * * * *', enabled: true });
    expect(await tick(saved.id)).toBe('dead');
    expect(await tick(saved.id)).toBe('dead');
    await ok('scripts.save', { id: saved.id, source: 'print("fine")' });
    expect(await tick(saved.id)).toBe('succeeded');
    await ok('scripts.save', { id: saved.id, source: 'throw "again"' });
    expect(await tick(saved.id)).toBe('dead');
    expect(await tick(saved.id)).toBe('dead');
    // A run by id from the API is not the schedule's.
    const t = app.services.tasks.queue.enqueue('script', { scriptId: saved.id }, { maxAttempts: 1 });
    await waitFor(() => (['queued', 'running'].includes(app.services.tasks.get(String(t.id)).state) ? undefined : true), 'the run by id', 30_000);
    expect((await ok('scripts.get', { id: saved.id })).schedule).toMatchObject({ enabled: true, paused: null });
  }, 120_000);
});
