import type { EpochPoint, Model, Run, RunMetrics, RunStatus, TrainParams, TrainPrefs } from '../../../shared/contract/index';
import { InvalidCursorError, type ActiveModelRepository, type ModelRow, type RunRow, type Store } from '../../store/index';
import { encodeCursor } from '../../store/ids';
import { fail } from '../errors';

export interface RunDetails {
  examples: string[][][];
  counts: { images: number; train: number; validation: number; augmented?: number };
  /** What the run learnt from (held-out.ts trainingFingerprint): equal fingerprints, equal models. */
  fingerprint?: string;
  activation?: NonNullable<Run['activation']>;
}

const str = (n: number | null) => (n === null ? null : String(n));

function toRun(r: RunRow): Run {
  const details = r.details ? (JSON.parse(r.details) as RunDetails) : null;
  return {
    id: String(r.id),
    datasetId: String(r.dataset_id),
    taskId: r.task_id,
    status: r.status as RunStatus,
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
    embeddedWith: r.backbone_sha256 && r.backbone_variant ? { backbone: r.backbone, sha256: r.backbone_sha256, variant: r.backbone_variant } : null,
    metrics: JSON.parse(r.metrics) as RunMetrics,
    createdAt: r.created_at,
  };
}

/** Newest first: the Train page's history and `GET /v1/models` start with the latest. */
function page<R extends { id: number }, T>(rows: R[], limit: number, map: (r: R) => T) {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(map), nextCursor: more ? encodeCursor(kept[kept.length - 1].id) : null };
}

function paged<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidCursorError) throw fail.validation(err.message, 'cursor');
    throw err;
  }
}

/** Training runs and models as the contract shows them; the SQL is in store/runs.ts and store/models.ts. */
export class VisionRecords {
  /** Which model is each dataset's active one, and whether the person pinned it (store/active-models.ts). */
  readonly active: ActiveModelRepository;

  constructor(private readonly store: Store) {
    this.active = store.activeModels;
  }

  /** The dataset's training preferences (migration 007); the defaults when it never set any. */
  trainPrefs(datasetId: string): TrainPrefs {
    return this.store.runs.trainPrefs(datasetId);
  }

  setTrainPrefs(datasetId: string, prefs: Partial<TrainPrefs>): TrainPrefs {
    const next = { ...this.trainPrefs(datasetId), ...prefs };
    this.store.runs.setTrainPrefs(datasetId, next);
    return next;
  }

  createRun(r: { datasetId: string; trigger: 'manual' | 'auto'; backbone: string; params: TrainParams; taskId?: string }): Run {
    const id = this.store.runs.create({ ...r, params: JSON.stringify(r.params) });
    return this.getRun(String(id))!;
  }

  setRunTask(runId: string, taskId: string): void {
    this.store.runs.setTask(runId, taskId);
  }

  getRun(id: string): Run | null {
    const r = this.store.runs.get(id);
    return r ? toRun(r) : null;
  }

  runOfTask(taskId: string): Run | null {
    const r = this.store.runs.byTask(taskId);
    return r ? toRun(r) : null;
  }

  listRuns(datasetId: string, limit: number, cursor?: string | null) {
    return page(
      paged(() => this.store.runs.list(datasetId, limit, cursor)),
      limit,
      toRun,
    );
  }

  /** Runs of a dataset not yet started (a newer change supersedes them). */
  queuedRuns(datasetId: string): Run[] {
    return this.store.runs.queued(datasetId).map(toRun);
  }

  startRun(id: string, backbone: string, labelsVersion: number): void {
    this.store.runs.start(id, backbone, labelsVersion);
  }

  /** Back to 'queued' (a shutdown interrupted it; its task runs again at the next start). */
  requeueRun(id: string): void {
    this.store.runs.requeue(id);
  }

  setHistory(id: string, history: EpochPoint[]): void {
    this.store.runs.setHistory(id, JSON.stringify(history));
  }

  finishRun(
    id: string,
    status: RunStatus,
    f: { metrics?: RunMetrics; details?: RunDetails; modelId?: string; error?: { code: string; message: string } },
  ): void {
    this.store.runs.finish(id, {
      status,
      metrics: f.metrics ? JSON.stringify(f.metrics) : null,
      details: f.details ? JSON.stringify(f.details) : null,
      modelId: f.modelId ?? null,
      errorCode: f.error?.code ?? null,
      errorMessage: f.error?.message ?? null,
    });
  }

  createModel(m: {
    datasetId: string;
    runId: string;
    labels: string[];
    backbone: string;
    head: Uint8Array;
    metrics: RunMetrics;
    datasetName: string;
    /** The build that embedded the training vectors (file hash, float or int8). */
    backboneBuild?: { sha256: string; variant: 'float' | 'int8' } | null;
  }): Model {
    const id = this.store.models.create({ ...m, labels: JSON.stringify(m.labels), metrics: JSON.stringify(m.metrics) });
    return this.getModel(String(id))!;
  }

  getModel(id: string): Model | null {
    const r = this.store.models.get(id);
    return r ? toModel(r) : null;
  }

  headOf(id: string): Buffer | null {
    return this.store.models.head(id);
  }

  listModels(datasetId: string | undefined, limit: number, cursor?: string | null) {
    return page(
      paged(() => this.store.models.list(datasetId, limit, cursor)),
      limit,
      toModel,
    );
  }

  latestModel(datasetId: string): Model | null {
    const r = this.store.models.latest(datasetId);
    return r ? toModel(r) : null;
  }

  /** The model the dataset's pictures are predicted by (store/models.ts holds the rule). */
  activeModel(datasetId: string): Model | null {
    const id = this.store.models.activeModelId(datasetId);
    return id === null ? null : this.getModel(id);
  }

  /** The newest run that made a model, with its fingerprint (to tell "nothing changed"). */
  lastSucceeded(datasetId: string): { run: Run; fingerprint: string | null } | null {
    const r = this.store.runs.lastSucceeded(datasetId);
    if (!r) return null;
    const details = r.details ? (JSON.parse(r.details) as RunDetails) : null;
    return { run: toRun(r), fingerprint: details?.fingerprint ?? null };
  }

  latestRunId(datasetId: string): string | null {
    return this.store.runs.latestId(datasetId);
  }

  /** Runs left 'running' or 'queued' by a process that stopped: their tasks run them again. */
  interruptedRuns(): Run[] {
    return this.store.runs.unfinished().map(toRun);
  }
}
