// Tasks a script queues run with the script's reach: `loupe.enqueue("predict-folder" |
// "import", …)` outside the granted folders is refused at the call and again when the task
// runs; predict-folder never replaces a file and writes CSV that a spreadsheet reads as data.
// Real files, real links, a real model and the real HTTP server.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import type { Task } from '../../src/shared/contract/index';
import { call } from '../api/client';
import { kindPicture, kindPictures, waitFor, writeKind } from './vision-pictures';

let dir: string;
let app: LoupeApp;
let base: string;
let granted: string;
let outside: string;
let modelId: string;
let datasetId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-task-grants-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
  base = (await app.listen({ port: 0 })).url;
  granted = join(dir, 'granted');
  outside = join(dir, 'outside');
  mkdirSync(granted);
  mkdirSync(outside);
  await app.dispatcher.call('scripts.folders.grant', { path: granted });
  // Labels that a spreadsheet would run as formulas if written bare.
  datasetId = app.services.library.createDataset('formulas').id;
  await app.services.library.upload(datasetId, [
    ...(await kindPictures('red', 6)).map((bytes, i) => ({ name: `r${i}.png`, bytes, label: '=red()' })),
    ...(await kindPictures('blue', 6)).map((bytes, i) => ({ name: `b${i}.png`, bytes, label: '@blue' })),
  ]);
  const { runId } = app.services.vision.startTraining(datasetId);
  const run = await waitFor(
    () => {
      const r = app.services.vision.training.get(runId);
      return r.status === 'queued' || r.status === 'running' ? undefined : r;
    },
    'the training run',
    120_000,
  );
  expect(run.status).toBe('succeeded');
  modelId = run.modelId!;
}, 180_000);
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const q = (s: string) => JSON.stringify(s);
async function run(body: string): Promise<{ ok: boolean; value?: unknown; message?: string }> {
  const r = await call(base, 'POST', '/v1/scripts/run', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: `import "loupe" as loupe\n${body}`, timeoutMs: 20_000 }),
    token: app.token,
  });
  if (r.status === 200) return { ok: true, value: r.json.value };
  expect(r.status, r.text).toBe(422);
  return { ok: false, message: r.json.error.message };
}
const ended = (id: string): Promise<Task> =>
  waitFor(
    () => {
      const t = app.services.tasks.get(id);
      return t.state === 'succeeded' || t.state === 'dead' || t.state === 'cancelled' ? t : undefined;
    },
    `task ${id}`,
    60_000,
  );
const taskCount = () => app.services.tasks.list({ limit: 500 }).items.length;

/** A CSV's cells, honouring quotes (RFC 4180). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    expect(text[i], `every cell is quoted (at ${i})`).toBe('"');
    let cell = '';
    i++;
    for (;;) {
      if (text[i] === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
      } else if (text[i] === '"') {
        i++;
        break;
      } else cell += text[i++];
    }
    row.push(cell);
    if (text[i] === ',') i++;
    else {
      rows.push(row);
      row = [];
      i++;
    }
  }
  return rows;
}

describe('loupe.enqueue checks paths at the call', () => {
  it('refuses every path-taking task that reaches outside, whatever the route', async () => {
    writeFileSync(join(outside, '.bashrc'), 'original');
    mkdirSync(join(granted, 'pics'), { recursive: true });
    symlinkSync(join(outside, 'planted.csv'), join(granted, 'pics', 'dangling.csv'));
    symlinkSync(outside, join(granted, 'pics', 'out-link'));
    const attempts = [
      `loupe.enqueue("predict-folder", {"modelId": ${q(modelId)}, "path": ${q(outside)}})`,
      `loupe.enqueue("predict-folder", {"modelId": ${q(modelId)}, "path": ${q(granted)}, "output": ${q(join(outside, '.bashrc'))}})`,
      `loupe.enqueue("predict-folder", {"modelId": ${q(modelId)}, "path": ${q(granted)}, "output": ${q(join(granted, 'pics', 'dangling.csv'))}})`,
      `loupe.enqueue("predict-folder", {"modelId": ${q(modelId)}, "path": ${q(granted)}, "output": ${q(join(granted, 'pics', 'out-link', 'x.csv'))}})`,
      `loupe.enqueue("predict-folder", {"modelId": ${q(modelId)}, "path": ${q(join(granted, '..', 'outside'))}})`,
      `loupe.enqueue("predict-folder", {"modelId": ${q(modelId)}, "path": "relative/folder"})`,
      `loupe.enqueue("import", {"datasetId": ${q(datasetId)}, "paths": [${q(granted)}, ${q(outside)}]})`,
      `loupe.enqueue("import", {"datasetId": ${q(datasetId)}, "paths": ${q(join(granted, 'pics', 'out-link'))}})`,
      `loupe.enqueue("import", {"datasetId": ${q(datasetId)}, "paths": [42]})`,
      `loupe.enqueue("import", "not a map")`,
      `loupe.enqueue("no-such-kind", {})`,
    ];
    const before = taskCount();
    const r = await run(`let out = []\n${attempts.map((a) => `try { push(out, ${a}) } catch e { push(out, "refused: " + e.message) }`).join('\n')}\nout`);
    expect(r.ok, r.message).toBe(true);
    const answers = r.value as string[];
    const why = [
      /outside the folders scripts may use/,
      /outside the folders scripts may use/,
      /symbolic link that leads nowhere/,
      /outside the folders scripts may use/,
      /outside the folders scripts may use/,
      /not an absolute path/,
      /outside the folders scripts may use/,
      /outside the folders scripts may use/,
      /paths must be non-empty strings/,
      /must be a map/,
      /Scripts cannot queue "no-such-kind" tasks; they can queue: import, predict-folder, script, train, embed/,
    ];
    answers.forEach((a, i) => expect(a, attempts[i]).toMatch(new RegExp(`^refused: .*${why[i].source}`)));
    expect(taskCount()).toBe(before);
    expect(readFileSync(join(outside, '.bashrc'), 'utf8')).toBe('original');
    expect(existsSync(join(outside, 'planted.csv'))).toBe(false);
  });

  it('a saved script run as a task (what a schedule queues) meets the same check', async () => {
    const saved = await app.dispatcher.call('scripts.save', {
      name: 'reach out',
      source: `import "loupe" as loupe\nloupe.enqueue("predict-folder", {"modelId": ${q(modelId)}, "path": ${q(outside)}})`,
    });
    expect(saved.ok).toBe(true);
    const id = (saved as { value: { id: string } }).value.id;
    const t = await ended(app.services.tasks.enqueue({ kind: 'script', input: { scriptId: id } }).id);
    expect(t.state).toBe('dead');
    expect(t.error?.message).toMatch(/outside the folders scripts may use/);
  });

  it("marks what it queues as the script's, whatever origin the script wrote", async () => {
    mkdirSync(join(granted, 'marked'), { recursive: true });
    const r = await run(`loupe.enqueue("import", {"datasetId": ${q(datasetId)}, "paths": [${q(join(granted, 'marked'))}], "origin": nil})`);
    expect(r.ok, r.message).toBe(true);
    const t = await call(base, 'GET', `/v1/tasks/${r.value as string}`, { token: app.token });
    expect(t.json.input.origin).toBe('script');
    await ended(r.value as string);
  });
});

describe('a task a script queued is checked again when it runs', () => {
  it('fails a predict-folder or an import whose paths are not granted (any more)', async () => {
    mkdirSync(join(granted, 'later'), { recursive: true });
    await writeKind(join(granted, 'later'), 'red', 1);
    await writeKind(outside, 'blue', 1);
    const inputs = [
      { kind: 'predict-folder', input: { modelId, path: outside, origin: 'script' } },
      { kind: 'predict-folder', input: { modelId, path: join(granted, 'later'), output: join(outside, 'p.csv'), origin: 'script' } },
      { kind: 'import', input: { datasetId, paths: [outside], origin: 'script' } },
    ];
    for (const { kind, input } of inputs) {
      const t = await ended(app.services.tasks.enqueue({ kind, input }).id);
      expect(t.state, kind).toBe('dead');
      expect(t.error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/outside the folders scripts may use/) });
    }
    expect(existsSync(join(outside, 'p.csv'))).toBe(false);
    // Revoked between the queueing and the run: the grant is read when the task starts.
    await app.dispatcher.call('scripts.folders.revoke', { path: granted });
    try {
      const t = await ended(app.services.tasks.enqueue({ kind: 'predict-folder', input: { modelId, path: join(granted, 'later'), origin: 'script' } }).id);
      expect(t.state).toBe('dead');
      expect(t.error?.message).toMatch(/none is granted yet/);
      expect(existsSync(join(granted, 'later', 'predictions.csv'))).toBe(false);
    } finally {
      await app.dispatcher.call('scripts.folders.grant', { path: granted });
    }
  });

  it("a script's import takes the pictures inside and refuses links to pictures outside", async () => {
    const folder = join(granted, 'imp', 'cats');
    await writeKind(folder, 'red', 2, 500);
    writeFileSync(join(outside, 'private.png'), await kindPicture('blue', 777));
    symlinkSync(join(outside, 'private.png'), join(folder, 'private.png'));
    const before = app.services.library.getDataset(datasetId).imageCount;
    const r = await run(`loupe.enqueue("import", {"datasetId": ${q(datasetId)}, "paths": [${q(join(granted, 'imp'))}]})`);
    expect(r.ok, r.message).toBe(true);
    const t = await ended(r.value as string);
    expect(t.state).toBe('succeeded');
    const p = t.result as { imported: number; failed: { name: string; code: string; message: string }[] };
    expect(p.imported).toBe(2);
    expect(p.failed).toEqual([
      { name: join('imp', 'cats', 'private.png'), code: 'forbidden', message: expect.stringMatching(/outside the folders scripts may use/) },
    ]);
    expect(app.services.library.getDataset(datasetId).imageCount).toBe(before + 2);
  });
});

describe('the paths a task uses are the ones checked', () => {
  it('a "~/" path means the home folder at the call and when the task runs', async () => {
    const home = join(dir, 'home');
    await writeKind(join(home, 'inbox'), 'blue', 1, 40);
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      await app.dispatcher.call('scripts.folders.grant', { path: home });
      const r = await run(`loupe.enqueue("predict-folder", {"modelId": ${q(modelId)}, "path": "~/inbox"})`);
      expect(r.ok, r.message).toBe(true);
      const t = await ended(r.value as string);
      expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
      expect(parseCsv(readFileSync(join(home, 'inbox', 'predictions.csv'), 'utf8'))[1][0]).toBe(join(home, 'inbox', 'blue-40.png'));
    } finally {
      await app.dispatcher.call('scripts.folders.revoke', { path: home });
      process.env.HOME = saved;
    }
  });
});

describe('predict-folder writes only new files, as data', () => {
  it('quotes every cell and defuses formulas in labels and crafted folder names', async () => {
    const evil = join(granted, 'csv', '=HYPERLINK("x"),\necho pwned');
    await writeKind(evil, 'red', 2, 900);
    await writeKind(join(granted, 'csv', '+plus'), 'blue', 2, 900);
    const r = await run(`loupe.enqueue("predict-folder", {"modelId": ${q(modelId)}, "path": ${q(join(granted, 'csv'))}})`);
    expect(r.ok, r.message).toBe(true);
    const t = await ended(r.value as string);
    expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
    const rows = parseCsv(readFileSync(join(granted, 'csv', 'predictions.csv'), 'utf8'));
    expect(rows[0]).toEqual(['path', 'label', 'confidence', 'error']);
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      expect(row).toHaveLength(4);
      for (const cell of row) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);
    }
    const labels = rows.slice(1).map((row) => row[1]);
    expect(labels.sort()).toEqual(["'=red()", "'=red()", "'@blue", "'@blue"]);
    expect(rows.slice(1).map((row) => row[0])).toContain(join(evil, 'red-900.png'));
  });

  it('refuses to replace an existing file, for a script and for the API alike, and leaves it as it was', async () => {
    const folder = join(granted, 'again');
    await writeKind(folder, 'red', 1, 300);
    writeFileSync(join(granted, 'notes.txt'), 'keep me');
    writeFileSync(join(outside, 'profile'), 'keep me too');
    const first = await run(`loupe.enqueue("predict-folder", {"modelId": ${q(modelId)}, "path": ${q(folder)}})`);
    expect((await ended(first.value as string)).state).toBe('succeeded');
    const csv = readFileSync(join(folder, 'predictions.csv'), 'utf8');

    const again = await run(`loupe.enqueue("predict-folder", {"modelId": ${q(modelId)}, "path": ${q(folder)}})`);
    const onNotes = await run(`loupe.enqueue("predict-folder", {"modelId": ${q(modelId)}, "path": ${q(folder)}, "output": ${q(join(granted, 'notes.txt'))}})`);
    // The API is not limited to granted folders, but it never replaces a file either.
    const api = await call(base, 'POST', '/v1/tasks', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'predict-folder', input: { modelId, path: folder, output: join(outside, 'profile') } }),
      token: app.token,
    });
    expect(api.status).toBe(201);
    for (const id of [again.value as string, onNotes.value as string, api.json.id as string]) {
      const t = await ended(id);
      expect(t.state).toBe('dead');
      expect(t.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/already exists; predict-folder never replaces a file/) });
    }
    expect(readFileSync(join(folder, 'predictions.csv'), 'utf8')).toBe(csv);
    expect(readFileSync(join(granted, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(readFileSync(join(outside, 'profile'), 'utf8')).toBe('keep me too');
  });
});
