import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { TEMPLATES } from '../../src/main/services/scripts/index';
import { kindPictures, waitFor, writeKind } from './vision-pictures';

let dir: string;
let app: LoupeApp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-scripts-schedule-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
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

describe('a scheduled script sorts new pictures by label', () => {
  it('trains through loupe.train, then the shipped template classifies and moves each file', async () => {
    const library = app.services.library;
    const datasetId = library.createDataset('colours').id;
    const files = [
      ...(await kindPictures('red', 6, 1)).map((bytes, i) => ({ name: `red-${i}.png`, bytes, label: 'red' })),
      ...(await kindPictures('blue', 6, 1)).map((bytes, i) => ({ name: `blue-${i}.png`, bytes, label: 'blue' })),
    ];
    await library.upload(datasetId, files);

    // Training from a script: the call blocks the script, not the app, until the run ends.
    const trained = await app.services.scripts.runNow(`import "loupe" as loupe\nloupe.train("colours")`, 90_000);
    expect(trained).toMatchObject({ ok: true, value: { modelId: expect.any(String) } });

    const inbox = join(dir, 'Inbox');
    await writeKind(inbox, 'red', 3, 50);
    await writeKind(inbox, 'blue', 3, 50);
    await ok('scripts.folders.grant', { path: inbox });

    const template = TEMPLATES.find((t) => t.id === 'sort-inbox')!;
    const source = template.source.replace('let inbox = "~/Inbox"', `let inbox = "${inbox}"`);
    expect(source).not.toBe(template.source);
    const saved = await ok('scripts.save', { name: template.name, source });
    const scheduled = await ok('scripts.schedule.set', { id: saved.id, cron: '0 * * * *', enabled: true });
    expect(scheduled.schedule).toEqual({ cron: '0 * * * *', enabled: true, paused: null });
    const s = app.services.tasks.queue.schedules().find((x) => x.name === `script:${saved.id}`);
    expect(s).toMatchObject({ kind: 'script', input: { scriptId: saved.id } });

    // What the hourly tick enqueues, enqueued now.
    const task = app.services.tasks.queue.enqueue(s!.kind, s!.input, { maxAttempts: 1 });
    const done = await waitFor(
      () => {
        const t = app.services.tasks.get(String(task.id));
        return t.state === 'queued' || t.state === 'running' ? undefined : t;
      },
      'the scheduled script',
      90_000,
    );
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ state: 'succeeded', progress: 1, result: { value: 6 } });
    expect(readdirSync(join(inbox, 'red')).sort()).toEqual(['red-50.png', 'red-51.png', 'red-52.png']);
    expect(readdirSync(join(inbox, 'blue')).sort()).toEqual(['blue-50.png', 'blue-51.png', 'blue-52.png']);
    expect(readdirSync(inbox).filter((f) => f.endsWith('.png'))).toEqual([]);

    // Clearing the schedule removes it from the queue.
    await ok('scripts.schedule.clear', { id: saved.id });
    expect(app.services.tasks.queue.schedules().some((x) => x.name === `script:${saved.id}`)).toBe(false);
    expect(existsSync(inbox)).toBe(true);
  }, 180_000);
});
