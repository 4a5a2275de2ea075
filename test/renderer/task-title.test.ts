import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/shared/contract';
import { stateTag, taskFacts, taskTitle, type Names } from '../../src/renderer/tasks/task-title';

const names: Names = { dataset: (id) => (id === '1' ? 'Clothes' : null), script: (id) => (id === '7' ? 'Sort inbox' : null) };
const task = (over: Partial<Task>): Task => ({
  id: '1',
  kind: 'import',
  state: 'running',
  attempts: 1,
  maxAttempts: 3,
  priority: 0,
  progress: 0,
  progressMessage: null,
  input: {},
  result: null,
  error: null,
  createdAt: '2026-01-01T00:00:00Z',
  startedAt: null,
  finishedAt: null,
  runAt: '2026-01-01T00:00:00Z',
  ...over,
});

describe('task titles in the person’s words', () => {
  it('says what and where', () => {
    expect(taskTitle(task({ kind: 'train', input: { datasetId: '1', runId: '4' } }), names)).toBe('Train Clothes');
    expect(taskTitle(task({ input: { datasetId: '1', paths: ['/x/pets'] }, progressMessage: '3 of 242 files' }), names)).toBe(
      'Import 242 pictures into Clothes',
    );
    expect(taskTitle(task({ input: { datasetId: '1', paths: ['/x/pets/'] } }), names)).toBe('Import “pets” into Clothes');
    expect(taskTitle(task({ state: 'succeeded', input: { datasetId: '1', paths: ['/a', '/b'] }, result: { total: 9, imported: 5 } }), names)).toBe(
      'Import 9 pictures into Clothes',
    );
    expect(taskTitle(task({ kind: 'script', input: { scriptId: '7' } }), names)).toBe('Run script “Sort inbox”');
    expect(taskTitle(task({ kind: 'script', input: { source: 'print(1)' } }), names)).toBe('Run a script from the editor');
    expect(taskTitle(task({ kind: 'predict-folder', input: { modelId: '2', path: 'C:\\photos\\inbox' } }), names)).toBe('Predict the pictures in “inbox”');
    expect(taskTitle(task({ kind: 'train', input: { datasetId: '9' } }), names)).toBe('Train dataset 9');
    expect(taskTitle(task({ kind: 'custom-kind' }), names)).toBe('custom-kind');
  });

  it('lists the input and result as readable facts', () => {
    const facts = taskFacts(
      task({ state: 'succeeded', input: { datasetId: '1', paths: ['/x/pets'], labels: 'folders' }, result: { imported: 5, duplicates: 1, failed: [{}] } }),
      names,
    );
    expect(facts).toEqual([
      ['Dataset', 'Clothes'],
      ['Folder', '/x/pets'],
      ['Labels', 'from folder names'],
      ['Added', '5 pictures'],
      ['Already there', '1 picture'],
      ['Not imported', '1 file'],
    ]);
  });
});

describe('state tags', () => {
  it('tags a running task with no start time as claimed (a broker worker prefetched it), not running', () => {
    expect(stateTag(task({ state: 'running', startedAt: null }))).toBe('Claimed');
    expect(stateTag(task({ state: 'running', startedAt: '2026-01-01T00:00:01Z' }))).toBe('Running');
    expect(stateTag(task({ state: 'queued', startedAt: null }))).toBe('Queued');
    expect(stateTag(task({ state: 'succeeded', startedAt: '2026-01-01T00:00:01Z' }))).toBe('Done');
  });
});
