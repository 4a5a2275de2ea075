import type { Database } from 'better-sqlite3';
import type { EpochPoint, Model, Run, RunMetrics, RunStatus, TrainParams, TrainPrefs } from '../../../shared/contract/index';
import { decodeCursor, encodeCursor, InvalidCursorError, toRowId } from '../../store/ids';
import { ActiveModelRepository } from '../../store/active-models';
import { fail } from '../errors';

interface RunRow {
  id: number;
  dataset_id: number;
  task_id: string | null;
  status: RunStatus;
  trigger: 'manual' | 'auto';
  backbone: string;
  params: string;
  history: string;
  metrics: string | null;
  details: string | null;
  error_code: string | null;
  error_message: string | null;
  model_id: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

interface ModelRow {
  id: number;
  dataset_id: number | null;
  run_id: number | null;
  version: number;
  name: string;
  labels: string;
  backbone: string;
  metrics: string;
  created_at: string;
}

export interface RunDetails {
  examples: string[][][];
  counts: { images: number; train: number; validation: number; augmented?: number };
  /** What the run learnt from (held-out.ts trainingFingerprint): equal fingerprints, equal models. */
  fingerprint?: string;
  activation?: NonNullable<Run['activation']>;
}

const now = () => new Date().toISOString();
const str = (n: number | null) => (n === null ? null : String(n));

function toRun(r: RunRow): Run {
  const details = r.details ? (JSON.parse(r.details) as RunDetails) : null;
  return {
    id: String(r.id),
    datasetId: String(r.dataset_id),
    taskId: r.task_id,
    status: r.status,
    trigger: r.trigger,
    backbone: r.backbone,
    params: JSON.parse(r.params) as TrainParams,
    history: JSON.parse(r.history) as EpochPoint[],
    metrics: r.metrics ? (JSON.parse(r.metrics) as RunMetrics) : null,
    examples: details?.examples ?? null,
    counts: details?.counts ?? null,
    activation: details?.activation ?? null,
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    modelId: str(r.model_id),
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

function toModel(r: ModelRow): Model {
  return {
    id: String(r.id),
    name: r.name,
    version: r.version,
    datasetId: str(r.dataset_id),
    runId: str(r.run_id),
    labels: JSON.parse(r.labels) as string[],
    backbone: r.backbone,
    metrics: JSON.parse(r.metrics) as RunMetrics,
    createdAt: r.created_at,
  };
}

function afterCursor(cursor: string | null | undefined): number {
  if (!cursor) return Number.MAX_SAFE_INTEGER;
  const c = decodeCursor(cursor);
  if (c === null) throw fail.validation(new InvalidCursorError().message, 'cursor');
  return c;
}

/** Newest first: the Train page's history and `GET /v1/models` start with the latest. */
function page<R extends { id: number }, T>(rows: R[], limit: number, map: (r: R) => T) {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(map), nextCursor: more ? encodeCursor(kept[kept.length - 1].id) : null };
}

/** Training runs and models in Loupe's database (migration 002). */
export class VisionRecords {
  readonly active: ActiveModelRepository;

  constructor(private readonly db: Database) {
    this.active = new ActiveModelRepository(db);
  }

  /** The dataset's active model (store/active-models.ts decides which: the chosen one, else the newest). */
  activeModel(datasetId: string): Model | null {
    const id = this.active.activeModelId(datasetId);
    return id === null ? null : this.getModel(id);
  }

  /** The dataset's training preferences (migration 007); the defaults when it never set any. */
  trainPrefs(datasetId: string): TrainPrefs {
    const r = this.db.prepare('SELECT augment FROM train_prefs WHERE dataset_id = ?').get(toRowId(datasetId)) as { augment: number } | undefined;
    return { augment: r ? r.augment === 1 : false };
  }

  setTrainPrefs(datasetId: string, prefs: Partial<TrainPrefs>): TrainPrefs {
    const next = { ...this.trainPrefs(datasetId), ...prefs };
    this.db
      .prepare(
        `INSERT INTO train_prefs (dataset_id, augment, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (dataset_id) DO UPDATE SET augment = excluded.augment, updated_at = excluded.updated_at`,
      )
      .run(toRowId(datasetId), next.augment ? 1 : 0, now());
    return next;
  }

  createRun(r: { datasetId: string; trigger: 'manual' | 'auto'; backbone: string; params: TrainParams }): Run {
    const info = this.db
      .prepare(`INSERT INTO training_runs (dataset_id, status, trigger, backbone, params, created_at) VALUES (?, 'queued', ?, ?, ?, ?)`)
      .run(toRowId(r.datasetId), r.trigger, r.backbone, JSON.stringify(r.params), now());
    return this.getRun(String(info.lastInsertRowid))!;
  }

  setRunTask(runId: string, taskId: string): void {
    this.db.prepare('UPDATE training_runs SET task_id = ? WHERE id = ?').run(taskId, toRowId(runId));
  }

  getRun(id: string): Run | null {
    const rowId = toRowId(id);
    if (rowId === null) return null;
    const r = this.db.prepare('SELECT * FROM training_runs WHERE id = ?').get(rowId) as RunRow | undefined;
    return r ? toRun(r) : null;
  }

  listRuns(datasetId: string, limit: number, cursor?: string | null) {
    const rows = this.db
      .prepare('SELECT * FROM training_runs WHERE dataset_id = ? AND id < ? ORDER BY id DESC LIMIT ?')
      .all(toRowId(datasetId), afterCursor(cursor), limit + 1) as RunRow[];
    return page(rows, limit, toRun);
  }

  /** Runs of a dataset not yet started (a newer change supersedes them). */
  queuedRuns(datasetId: string): Run[] {
    return (this.db.prepare(`SELECT * FROM training_runs WHERE dataset_id = ? AND status = 'queued'`).all(toRowId(datasetId)) as RunRow[]).map(toRun);
  }

  startRun(id: string, backbone: string): void {
    this.db
      .prepare(`UPDATE training_runs SET status = 'running', backbone = ?, history = '[]', started_at = ?, error_code = NULL, error_message = NULL WHERE id = ?`)
      .run(backbone, now(), toRowId(id));
  }

  /** Back to 'queued' (a shutdown interrupted it; its task runs again at the next start). */
  requeueRun(id: string): void {
    this.db.prepare(`UPDATE training_runs SET status = 'queued', started_at = NULL WHERE id = ?`).run(toRowId(id));
  }

  setHistory(id: string, history: EpochPoint[]): void {
    this.db.prepare('UPDATE training_runs SET history = ? WHERE id = ?').run(JSON.stringify(history), toRowId(id));
  }

  finishRun(id: string, status: RunStatus, f: { metrics?: RunMetrics; details?: RunDetails; modelId?: string; error?: { code: string; message: string } }): void {
    this.db
      .prepare(
        `UPDATE training_runs SET status = ?, metrics = ?, details = ?, model_id = ?, error_code = ?, error_message = ?, finished_at = ? WHERE id = ?`,
      )
      .run(
        status,
        f.metrics ? JSON.stringify(f.metrics) : null,
        f.details ? JSON.stringify(f.details) : null,
        f.modelId ? toRowId(f.modelId) : null,
        f.error?.code ?? null,
        f.error?.message ?? null,
        now(),
        toRowId(id),
      );
  }

  createModel(m: { datasetId: string; runId: string; labels: string[]; backbone: string; head: Uint8Array; metrics: RunMetrics; datasetName: string }): Model {
    const ds = toRowId(m.datasetId);
    const version = ((this.db.prepare('SELECT MAX(version) AS v FROM models WHERE dataset_id = ?').get(ds) as { v: number | null }).v ?? 0) + 1;
    const info = this.db
      .prepare(
        'INSERT INTO models (dataset_id, run_id, version, name, labels, backbone, head, metrics, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(ds, toRowId(m.runId), version, `${m.datasetName} v${version}`, JSON.stringify(m.labels), m.backbone, Buffer.from(m.head), JSON.stringify(m.metrics), now());
    return this.getModel(String(info.lastInsertRowid))!;
  }

  getModel(id: string): Model | null {
    const rowId = toRowId(id);
    if (rowId === null) return null;
    const r = this.db.prepare('SELECT * FROM models WHERE id = ?').get(rowId) as ModelRow | undefined;
    return r ? toModel(r) : null;
  }

  headOf(id: string): Buffer | null {
    const rowId = toRowId(id);
    if (rowId === null) return null;
    const r = this.db.prepare('SELECT head FROM models WHERE id = ?').get(rowId) as { head: Buffer } | undefined;
    return r?.head ?? null;
  }

  listModels(datasetId: string | undefined, limit: number, cursor?: string | null) {
    const after = afterCursor(cursor);
    const rows = (
      datasetId === undefined
        ? this.db.prepare('SELECT * FROM models WHERE id < ? ORDER BY id DESC LIMIT ?').all(after, limit + 1)
        : this.db.prepare('SELECT * FROM models WHERE dataset_id = ? AND id < ? ORDER BY id DESC LIMIT ?').all(toRowId(datasetId), after, limit + 1)
    ) as ModelRow[];
    return page(rows, limit, toModel);
  }

  latestModel(datasetId: string): Model | null {
    const r = this.db.prepare('SELECT * FROM models WHERE dataset_id = ? ORDER BY id DESC LIMIT 1').get(toRowId(datasetId)) as ModelRow | undefined;
    return r ? toModel(r) : null;
  }

  /** The newest run that made a model, with its fingerprint (to tell "nothing changed"). */
  lastSucceeded(datasetId: string): { run: Run; fingerprint: string | null } | null {
    const r = this.db
      .prepare(`SELECT * FROM training_runs WHERE dataset_id = ? AND status = 'succeeded' AND model_id IS NOT NULL ORDER BY id DESC LIMIT 1`)
      .get(toRowId(datasetId)) as RunRow | undefined;
    if (!r) return null;
    const details = r.details ? (JSON.parse(r.details) as RunDetails) : null;
    return { run: toRun(r), fingerprint: details?.fingerprint ?? null };
  }

  latestRunId(datasetId: string): string | null {
    const r = this.db.prepare('SELECT id FROM training_runs WHERE dataset_id = ? ORDER BY id DESC LIMIT 1').get(toRowId(datasetId)) as { id: number } | undefined;
    return r ? String(r.id) : null;
  }

  /** Runs left 'running' or 'queued' by a process that stopped: their tasks run them again. */
  interruptedRuns(): Run[] {
    return (this.db.prepare(`SELECT * FROM training_runs WHERE status IN ('running', 'queued')`).all() as RunRow[]).map(toRun);
  }
}
