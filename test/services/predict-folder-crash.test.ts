// A predict-folder task whose process is killed (kill -9) mid-run leaves no temporary file
// in the person's folder once Loupe starts again, never removes a file it did not create,
// and a new run still refuses to replace an existing output (conflict). Real processes,
// a real model, a real `loupe serve` process (bin/loupe.js: the built app) and a real SIGKILL.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { kindPictures, waitFor, writeKind } from './vision-pictures';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'loupe.js');
const TOKEN = 'd'.repeat(64);

let dir: string;
let dataDir: string;
let modelId: string;
const children: ChildProcess[] = [];

async function openApp(): Promise<LoupeApp> {
  return createApp({ dataDir, shell: 'headless', log: () => {}, vision: { autoTrain: false } });
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'loupe-pf-crash-'));
  dataDir = join(dir, 'data');
  const app = await openApp();
  try {
    const datasetId = app.services.library.createDataset('colours').id;
    const files = [
      ...(await kindPictures('red', 6, 1)).map((bytes, i) => ({ name: `red-${i}.png`, bytes, label: 'red' })),
      ...(await kindPictures('blue', 6, 1)).map((bytes, i) => ({ name: `blue-${i}.png`, bytes, label: 'blue' })),
    ];
    await app.services.library.upload(datasetId, files);
    const { runId } = app.services.vision.startTraining(datasetId);
    const run = await waitFor(
      () => {
        const r = app.services.vision.training.get(runId);
        return r.status === 'queued' || r.status === 'running' ? undefined : r;
      },
      'training',
      120_000,
    );
    expect(run.status).toBe('succeeded');
    modelId = run.modelId!;
  } finally {
    await app.close();
  }
}, 180_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A folder of many pictures, so that the run lasts long enough to be killed in the middle. */
async function bigFolder(name: string): Promise<string> {
  const folder = join(dir, name);
  const [first] = await writeKind(folder, 'red', 1, 900);
  for (let i = 0; i < 600; i++) copyFileSync(first, join(folder, `copy-${i}.png`));
  return folder;
}

const temps = (folder: string) => readdirSync(folder).filter((n) => n.startsWith('.predictions.csv.') && n.endsWith('.tmp'));
const journal = () => (existsSync(join(dataDir, 'pending-outputs')) ? readdirSync(join(dataDir, 'pending-outputs')) : []);

/**
 * Starts `loupe serve` (bin/loupe.js, the built app) on the data folder, queues predict-folder
 * on `folder` through the API, waits until its temporary file exists, then kill -9s it.
 */
async function killMidRun(folder: string): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data', dataDir, '--port', '0', '--token', TOKEN], {
    cwd: tmpdir(),
    env: { ...process.env, LOUPE_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const base = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`loupe serve exited: ${err}`);
      return /loupe listening on (http:\/\/\S+)\n/.exec(out)?.[1];
    },
    'loupe serve to listen',
    90_000,
  );
  const r = await fetch(`${base}/v1/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'predict-folder', input: { modelId, path: folder } }),
  });
  const task = (await r.json()) as { id: string };
  expect(r.status).toBe(201);
  await waitFor(() => (temps(folder).length > 0 && journal().length > 0 ? true : undefined), 'the temporary CSV', 90_000);
  const exited = new Promise((res) => child.once('exit', res));
  child.kill('SIGKILL');
  await exited;
  return String(task.id);
}

describe('predict-folder killed mid-run', () => {
  it('leaves its temporary file only until Loupe starts again, and publishes nothing', async () => {
    const folder = await bigFolder('inbox');
    const taskId = await killMidRun(folder);
    // Killed: the temporary file is still there (nothing could run after SIGKILL)…
    expect(temps(folder)).toHaveLength(1);
    expect(existsSync(join(folder, 'predictions.csv'))).toBe(false);
    // …until the next start takes the task back (one attempt: it ends dead) and cleans up.
    const app = await openApp();
    try {
      const task = await waitFor(() => {
        const t = app.services.tasks.get(taskId);
        return t.state === 'dead' || t.state === 'succeeded' ? t : undefined;
      }, 'the interrupted task to end');
      expect(task.state).toBe('dead');
      await waitFor(() => (temps(folder).length === 0 && journal().length === 0 ? true : undefined), 'the temporary file to be removed');
      expect(existsSync(join(folder, 'predictions.csv'))).toBe(false);
      // A new run works, and publishes its CSV.
      const again = app.services.vision.predictFolder({ modelId, path: folder });
      const done = await waitFor(
        () => {
          const t = app.services.tasks.get(again.id);
          return t.state === 'succeeded' || t.state === 'dead' ? t : undefined;
        },
        'the new run',
        180_000,
      );
      expect(done.state).toBe('succeeded');
      expect(readFileSync(join(folder, 'predictions.csv'), 'utf8').trim().split('\n')).toHaveLength(602);
      expect(temps(folder)).toHaveLength(0);
      // Once more into the same output: refused, the CSV untouched.
      const third = app.services.vision.predictFolder({ modelId, path: folder });
      const refused = await waitFor(() => {
        const t = app.services.tasks.get(third.id);
        return t.state === 'succeeded' || t.state === 'dead' ? t : undefined;
      }, 'the third run');
      expect(refused.state).toBe('dead');
      expect(refused.error?.code).toBe('conflict');
      expect(readFileSync(join(folder, 'predictions.csv'), 'utf8').trim().split('\n')).toHaveLength(602);
    } finally {
      await app.close();
    }
  }, 400_000);

  it('never removes a file that took the temporary name after the crash', async () => {
    const folder = await bigFolder('inbox-2');
    await killMidRun(folder);
    const [name] = temps(folder);
    // Someone else's file under that name now (not the one Loupe created).
    unlinkSync(join(folder, name));
    writeFileSync(join(folder, name), 'not Loupe’s');
    const app = await openApp();
    try {
      await waitFor(() => (journal().length === 0 ? true : undefined), 'the record of the temporary file to be settled');
      expect(readFileSync(join(folder, name), 'utf8')).toBe('not Loupe’s');
    } finally {
      await app.close();
    }
  }, 300_000);
});
