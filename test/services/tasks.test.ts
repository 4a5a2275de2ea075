import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportProgress } from '../../src/shared/contract';
import { openStore, type Store } from '../../src/main/store';
import { LibraryService } from '../../src/main/services/library';
import { TaskService } from '../../src/main/services/tasks';
import { writePictures } from './pictures';

let dir: string;
let store: Store;
let lib: LibraryService;
let tasks: TaskService;
let onProgress: ((p: ImportProgress) => void) | null;

function open(start = true) {
  store = openStore(join(dir, 'data', 'loupe.db'));
  lib = new LibraryService(store, join(dir, 'data'), (event, payload) => {
    if (event === 'import.progress') onProgress?.(payload as ImportProgress);
  });
  tasks = new TaskService({ db: store.db, library: lib, emit: () => {}, log: () => {} });
  if (start) tasks.start();
}

// The order the app closes in: imports stop first, then the queue.
async function close() {
  await lib.close();
  await tasks.stop();
  store.close();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-tasks-'));
  onProgress = null;
  open();
});
afterEach(async () => {
  await close();
  rmSync(dir, { recursive: true, force: true });
});

async function settled(id: string) {
  for (let i = 0; i < 1500; i++) {
    const t = tasks.get(id);
    if (!['queued', 'running', 'failed'].includes(t.state)) return t;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`task ${id} did not finish`);
}

function libraryFileCount(): number {
  const root = join(dir, 'data', 'library');
  return existsSync(root) ? readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 0;
}

describe('imports as tasks', () => {
  it('runs an import as a task whose result is the import summary', async () => {
    await writePictures(join(dir, 'in', 'cats'), 3, 10);
    const ds = lib.createDataset('x');
    const started = tasks.startImport({ datasetId: ds.id, paths: [join(dir, 'in')], labels: 'folders' });
    const t = await settled(started.importId);
    expect(t).toMatchObject({ kind: 'import', state: 'succeeded', progress: 1 });
    expect(t.result).toMatchObject({ imported: 3, state: 'succeeded' });
    expect(tasks.getImport(started.importId)).toMatchObject({ imported: 3, state: 'succeeded' });
  });

  it('deleting the dataset mid-import stops the task and leaves no orphan rows or files', async () => {
    await writePictures(join(dir, 'many', 'things'), 40, 3000);
    const ds = lib.createDataset('doomed');
    let deletion: Promise<boolean> | null = null;
    onProgress = (p) => {
      if (p.total > 0 && p.state === 'running' && !deletion) deletion = lib.deleteDataset(ds.id);
    };
    const started = tasks.startImport({ datasetId: ds.id, paths: [join(dir, 'many')], labels: 'folders' });
    const t = await settled(started.importId);
    expect(await deletion).toBe(true);
    expect(t.state).toBe('dead');
    expect(t.error?.message).toMatch(/deleted/);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM images').get()).toEqual({ n: 0 });
    expect(libraryFileCount()).toBe(0);
  });

  it('cancels an import that is still waiting in the queue', async () => {
    await close();
    open(false);
    await writePictures(join(dir, 'w'), 2, 50);
    const ds = lib.createDataset('w');
    const started = tasks.startImport({ datasetId: ds.id, paths: [join(dir, 'w')], labels: 'folders' });
    const cancelled = await tasks.cancelImport(started.importId);
    expect(cancelled.state).toBe('cancelled');
    expect(tasks.get(started.importId).state).toBe('cancelled');
  });

  it('an import cut short by a shutdown runs again after the restart and completes', async () => {
    await writePictures(join(dir, 'cut', 'birds'), 30, 4000);
    const ds = lib.createDataset('cut');
    let stopping: Promise<void> | null = null;
    onProgress = (p) => {
      if (p.total > 0 && p.state === 'running' && !stopping) stopping = close();
    };
    const started = tasks.startImport({ datasetId: ds.id, paths: [join(dir, 'cut')], labels: 'folders' });
    for (let i = 0; i < 3000 && !stopping; i++) await new Promise((r) => setTimeout(r, 10));
    expect(stopping).not.toBeNull();
    await stopping;
    onProgress = null;
    open(true);
    const t = await settled(started.importId);
    expect(t.state).toBe('succeeded');
    expect(lib.getDataset(ds.id).labels).toEqual([{ name: 'birds', count: 30, color: expect.any(String) }]);
  });

  it('runs after a restart an import that the previous process never finished', async () => {
    await close();
    open(false);
    await writePictures(join(dir, 'later', 'dogs'), 2, 70);
    const ds = lib.createDataset('later');
    const started = tasks.startImport({ datasetId: ds.id, paths: [join(dir, 'later')], labels: 'folders' });
    await close();
    open(true);
    const t = await settled(started.importId);
    expect(t.state).toBe('succeeded');
    expect(lib.getDataset(ds.id).labels).toEqual([{ name: 'dogs', count: 2, color: expect.any(String) }]);
  });
});
