import type { Database } from 'better-sqlite3';
import { decodeCursor, InvalidCursorError, nowIso, toRowId } from './ids';

/** A training run as stored (migration 002, labels_version since 009); JSON columns are text. */
export interface RunRow {
  id: number;
  dataset_id: number;
  task_id: string | null;
  status: string;
  trigger: 'manual' | 'auto';
  backbone: string;
  params: string;
  history: string;
  metrics: string | null;
  details: string | null;
  error_code: string | null;
  error_message: string | null;
  model_id: number | null;
  labels_version: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** Keyset pages newest first: rows below the cursor's id (everything without one). */
export function beforeCursor(cursor: string | null | undefined): number {
  if (!cursor) return Number.MAX_SAFE_INTEGER;
  const c = decodeCursor(cursor);
  if (c === null) throw new InvalidCursorError();
  return c;
}

/** Training runs and the per-dataset training preferences (migrations 002, 007, 009). */
export class RunRepository {
  constructor(private readonly db: Database) {}

  trainPrefs(datasetId: string): { augment: boolean } {
    const r = this.db.prepare('SELECT augment FROM train_prefs WHERE dataset_id = ?').get(toRowId(datasetId)) as { augment: number } | undefined;
    return { augment: r ? r.augment === 1 : false };
  }

  setTrainPrefs(datasetId: string, prefs: { augment: boolean }): void {
    this.db
      .prepare(
        `INSERT INTO train_prefs (dataset_id, augment, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (dataset_id) DO UPDATE SET augment = excluded.augment, updated_at = excluded.updated_at`,
      )
      .run(toRowId(datasetId), prefs.augment ? 1 : 0, nowIso());
  }

  create(r: { datasetId: string; trigger: 'manual' | 'auto'; backbone: string; params: string; taskId?: string | null }): number {
    const info = this.db
      .prepare(`INSERT INTO training_runs (dataset_id, task_id, status, trigger, backbone, params, created_at) VALUES (?, ?, 'queued', ?, ?, ?, ?)`)
      .run(toRowId(r.datasetId), r.taskId ?? null, r.trigger, r.backbone, r.params, nowIso());
    return Number(info.lastInsertRowid);
  }

  setTask(runId: string, taskId: string): void {
    this.db.prepare('UPDATE training_runs SET task_id = ? WHERE id = ?').run(taskId, toRowId(runId));
  }

  get(id: string): RunRow | null {
    const rowId = toRowId(id);
    if (rowId === null) return null;
    return (this.db.prepare('SELECT * FROM training_runs WHERE id = ?').get(rowId) as RunRow | undefined) ?? null;
  }

  /** The run a task made (a task retried after a crash finds its run instead of making a second). */
  byTask(taskId: string): RunRow | null {
    return (this.db.prepare('SELECT * FROM training_runs WHERE task_id = ? ORDER BY id DESC LIMIT 1').get(taskId) as RunRow | undefined) ?? null;
  }

  list(datasetId: string, limit: number, cursor?: string | null): RunRow[] {
    return this.db
      .prepare('SELECT * FROM training_runs WHERE dataset_id = ? AND id < ? ORDER BY id DESC LIMIT ?')
      .all(toRowId(datasetId), beforeCursor(cursor), limit + 1) as RunRow[];
  }

  queued(datasetId: string): RunRow[] {
    return this.db.prepare(`SELECT * FROM training_runs WHERE dataset_id = ? AND status = 'queued'`).all(toRowId(datasetId)) as RunRow[];
  }

  /** `labelsVersion`: the dataset's labels_version the run reads its pictures at. */
  start(id: string, backbone: string, labelsVersion: number): void {
    this.db
      .prepare(
        `UPDATE training_runs SET status = 'running', backbone = ?, history = '[]', started_at = ?, labels_version = ?, error_code = NULL, error_message = NULL WHERE id = ?`,
      )
      .run(backbone, nowIso(), labelsVersion, toRowId(id));
  }

  requeue(id: string): void {
    this.db.prepare(`UPDATE training_runs SET status = 'queued', started_at = NULL WHERE id = ?`).run(toRowId(id));
  }

  setHistory(id: string, history: string): void {
    this.db.prepare('UPDATE training_runs SET history = ? WHERE id = ?').run(history, toRowId(id));
  }

  finish(
    id: string,
    f: { status: string; metrics: string | null; details: string | null; modelId: string | null; errorCode: string | null; errorMessage: string | null },
  ): void {
    this.db
      .prepare(`UPDATE training_runs SET status = ?, metrics = ?, details = ?, model_id = ?, error_code = ?, error_message = ?, finished_at = ? WHERE id = ?`)
      .run(f.status, f.metrics, f.details, f.modelId === null ? null : toRowId(f.modelId), f.errorCode, f.errorMessage, nowIso(), toRowId(id));
  }

  /** The newest run that made a model (its details hold what it learnt from). */
  lastSucceeded(datasetId: string): RunRow | undefined {
    return this.db
      .prepare(`SELECT * FROM training_runs WHERE dataset_id = ? AND status = 'succeeded' AND model_id IS NOT NULL ORDER BY id DESC LIMIT 1`)
      .get(toRowId(datasetId)) as RunRow | undefined;
  }

  latestId(datasetId: string): string | null {
    const r = this.db.prepare('SELECT id FROM training_runs WHERE dataset_id = ? ORDER BY id DESC LIMIT 1').get(toRowId(datasetId)) as
      { id: number } | undefined;
    return r ? String(r.id) : null;
  }

  /** Runs left 'running' or 'queued' by a process that stopped. */
  unfinished(): RunRow[] {
    return this.db.prepare(`SELECT * FROM training_runs WHERE status IN ('running', 'queued')`).all() as RunRow[];
  }

  /**
   * The highest labels_version a run of the dataset has read and either trained, is still
   * training, or was cancelled on (a person's cancel is respected); null when none. Failed
   * runs do not count: a crash that killed a run twice must not leave the labels untrained.
   * Behind the dataset's own labels_version: a retrain is owed.
   */
  trainedLabelsVersion(datasetId: string): number | null {
    const r = this.db
      .prepare(
        `SELECT max(labels_version) AS v FROM training_runs
         WHERE dataset_id = ? AND labels_version IS NOT NULL AND status IN ('succeeded', 'running', 'cancelled')`,
      )
      .get(toRowId(datasetId)) as { v: number | null };
    return r.v;
  }
}
