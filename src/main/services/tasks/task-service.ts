import { existsSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { QueueError, TaskQueue } from '../../queue/index';
import type { CallOutput, HandlerInput, ImportProgress, Task } from '../../../shared/contract/index';
import { LoupeError } from '../../../shared/errors';
import { fail } from '../errors';
import type { Emit } from '../events';
import type { LibraryService } from '../library/index';
import type { GrantedFolders } from '../scripts/granted-folders';
import { defineKinds, IMPORT_ATTEMPTS, PUBLIC_KINDS, type ImportTaskInput } from './kinds';
import { toTaskDto } from './task-dto';
import { TaskMonitor } from './monitor';

const QUEUE_CODES: Record<string, string> = {
  not_found: 'not_found',
  unknown_kind: 'validation',
  invalid_input: 'validation',
  invalid_option: 'validation',
  invalid_state: 'conflict',
  stopped: 'unavailable',
};

/** Queue errors become contract errors; anything else passes through. */
function mapQueueErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof QueueError) throw new LoupeError(QUEUE_CODES[err.code] ?? 'internal', err.message);
    throw err;
  }
}

export interface EnqueueRequest {
  kind: string;
  input: unknown;
  priority?: number;
  runAt?: string | number;
  maxAttempts?: number;
  timeoutMs?: number;
}

/**
 * Loupe's long work as durable tasks, in the app's own database (the queue engine owns its
 * `queue_*` tables there): a change and the work it implies commit in one transaction.
 * A task running when the process stopped runs again after a restart. Imports keep their rich progress (`import.progress`); every task also
 * reports `task.updated`.
 */
export class TaskService {
  readonly queue: TaskQueue;
  /** Counters, timelines, dead letters and pausing, for the Tasks page and /metrics. */
  readonly monitor: TaskMonitor;
  private started = false;
  /** Kinds that `POST /v1/tasks` and callers outside Loupe may queue. */
  private readonly publicKinds = new Set<string>(PUBLIC_KINDS);

  constructor(
    private readonly deps: { db: Database; library: LibraryService; emit: Emit; log: (message: string, err?: unknown) => void; grants?: GrantedFolders },
  ) {
    // One Loupe per data folder: a stable worker id lets a restart take its tasks back at once.
    this.queue = new TaskQueue(deps.db, { workerId: 'loupe-main', concurrency: 4 });
    defineKinds(this.queue, deps.library, deps.grants);
    this.monitor = new TaskMonitor(this.queue);
    this.queue.on('task', (t) => {
      deps.emit('task.updated', toTaskDto(t));
      // A queued import cancelled before it ran has no running handler to notice.
      if (t.kind === 'import' && t.state === 'cancelled') void deps.library.importer.cancel(t.id);
    });
    this.queue.on('error', (err) => deps.log('task queue:', err));
  }

  /** Lets outside callers queue a kind a feature defined on `queue` (e.g. `train`). */
  expose(kind: string): void {
    this.publicKinds.add(kind);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.queue.start();
  }

  /** Finishes running tasks for a moment and re-queues the rest (the database is the store's to close). */
  async stop(): Promise<void> {
    if (this.started) await this.queue.stop({ deadlineMs: 5000 });
    this.started = false;
  }

  enqueue(req: EnqueueRequest): Task {
    if (!this.publicKinds.has(req.kind)) {
      throw fail.validation(`Unknown task kind "${req.kind}"; use one of: ${[...this.publicKinds].join(', ')}.`, 'kind');
    }
    const runAt = typeof req.runAt === 'string' ? Date.parse(req.runAt) : req.runAt;
    if (runAt !== undefined && Number.isNaN(runAt)) throw fail.validation('"runAt" must be an ISO date or epoch milliseconds.', 'runAt');
    if (req.kind === 'import') this.checkImport(req.input);
    return toTaskDto(
      mapQueueErrors(() => this.queue.enqueue(req.kind, req.input, { priority: req.priority, runAt, maxAttempts: req.maxAttempts, timeoutMs: req.timeoutMs })),
    );
  }

  list(q: HandlerInput<'tasks.list'>): CallOutput<'tasks.list'> {
    const page = mapQueueErrors(() => this.queue.list({ state: q.state, kind: q.kind, limit: q.limit, cursor: q.cursor ?? undefined }));
    return { items: page.items.map(toTaskDto), nextCursor: page.nextCursor };
  }

  get(id: string): Task {
    const t = mapQueueErrors(() => this.queue.get(id));
    if (!t) throw fail.notFound(`No task ${id}.`);
    return toTaskDto(t);
  }

  cancel(id: string): Task {
    this.get(id);
    return toTaskDto(mapQueueErrors(() => this.queue.cancel(id)));
  }

  retry(id: string): Task {
    this.get(id);
    return toTaskDto(mapQueueErrors(() => this.queue.retry(id)));
  }

  /** `imports.start` and `POST /v1/datasets/:id/import`: an import task; its id is the import id. */
  startImport(req: ImportTaskInput): ImportProgress {
    this.deps.library.getDataset(req.datasetId);
    checkPaths(req.paths);
    const task = this.queue.enqueue('import', req, { maxAttempts: IMPORT_ATTEMPTS });
    return this.deps.library.importer.register(req, task.id);
  }

  getImport(importId: string): ImportProgress {
    const live = this.deps.library.importer.get(importId);
    if (live) return live;
    const t = mapQueueErrors(() => this.queue.get(importId));
    if (!t || t.kind !== 'import') throw fail.notFound(`No import ${importId}.`);
    return importFromTask(t.id, t.input as ImportTaskInput, toTaskDto(t));
  }

  async cancelImport(importId: string): Promise<ImportProgress> {
    const t = mapQueueErrors(() => this.queue.get(importId));
    if (!t || t.kind !== 'import') throw fail.notFound(`No import ${importId}.`);
    if (t.state === 'queued' || t.state === 'running' || t.state === 'failed') this.queue.cancel(importId);
    await this.deps.library.importer.cancel(importId);
    return this.getImport(importId);
  }

  private checkImport(input: unknown): void {
    const datasetId = (input as { datasetId?: unknown } | null)?.datasetId;
    if (typeof datasetId === 'string') this.deps.library.getDataset(datasetId);
    const paths = (input as { paths?: unknown } | null)?.paths;
    if (Array.isArray(paths)) checkPaths(paths.filter((p): p is string => typeof p === 'string'));
  }
}

/** Checked at the door: a path that is not there would make a task that "succeeds" with nothing. */
function checkPaths(paths: readonly string[]): void {
  const missing = paths.find((p) => !existsSync(p));
  if (missing !== undefined) throw fail.validation(`Nothing to import at ${missing}: no such file or folder on this machine.`, 'path');
}

/** An import this process did not run (before a restart): rebuilt from its task. */
function importFromTask(id: string, input: ImportTaskInput, t: Task): ImportProgress {
  const r = (t.result ?? null) as ImportProgress | null;
  if (r && typeof r === 'object' && 'importId' in r) return { ...r, importId: id, state: t.state === 'cancelled' ? 'cancelled' : r.state };
  const state = t.state === 'succeeded' ? 'succeeded' : t.state === 'cancelled' ? 'cancelled' : t.state === 'dead' ? 'failed' : 'running';
  return {
    importId: id,
    datasetId: input.datasetId,
    state,
    total: 0,
    done: 0,
    imported: 0,
    duplicates: 0,
    failed: [],
    message: t.error?.message ?? (state === 'running' ? 'Waiting to start…' : null),
  };
}
