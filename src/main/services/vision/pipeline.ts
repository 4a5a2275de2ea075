import { predictTop, type HeadWeights } from '../../vision/index';
import type { Task, TaskContext } from '../../queue/index';
import type { PipelineImage, PredictionRow } from '../../store/index';
import type { ImpliedWork } from '../library/index';
import type { VisionContext } from './context';
import { EMBED_BATCH } from './embedding-cache';
import type { ModelRegistry } from './model-registry';
import { DoneMarks } from './done-marks';
import { PictureWaits } from './picture-waits';

/** Pictures looked up per query for embedding (each query walks the dataset once). */
const EMBED_SLICE = 1024;
/** Embedded pictures predicted per slice (one transaction each, then an event-loop turn). */
const PREDICT_SLICE = 2000;
/** At most one `dataset.changed` ('predictions') per dataset this often while a refresh runs. */
const ANNOUNCE_EVERY_MS = 1000;
/**
 * An embed task that caught up waits this long for more pictures of an import still streaming
 * in, and once one came, goes on when a batch gathered or 100 ms later (PictureWaits).
 */
const WAIT_FOR_PICTURES = { lingerMs: 300, batch: 8, gatherMs: 100 };

export interface PipelineOptions {
  /** Retrain after label changes (default true; `LOUPE_AUTO_TRAIN=0` turns it off, e.g. for benchmarks). */
  autoTrain: boolean;
  /** Quiet time after the last label change before the retrain starts: the retrain task's runAt. */
  debounceMs: number;
}

export interface RefreshResult {
  embedded: number;
  predicted: number;
  /** Hashes the backbone could not read (first 100): the follow-up check skips them. */
  failed: string[];
}

/**
 * The durable pipeline from a stored picture to its prediction. Every step is a queue task
 * in the app's database, queued in the same transaction as the change that implies it:
 *
 * - pictures stored → `embed` task of the dataset (one live per dataset, `embed:<id>`): it
 *   embeds every picture without a vector for the backbone, labelled or not, and predicts
 *   each with the dataset's active model as it lands; then predicts whatever the active
 *   model has not predicted yet (a new model: every picture again, from cached vectors).
 * - labelled set changed → `train` task (`retrain:<id>`) whose runAt moves to "now +
 *   debounce" at each change: a burst of labels makes one run, after the last, and the
 *   debounce survives a crash because it lives in the task row, not in a timer.
 * - a new model → `embed` task again (predictions with the new active model).
 *
 * A crash between steps loses nothing: `sweep()` at start-up finds whatever lags behind
 * its source and queues it, idempotently (the dedupe keys make a second queueing a no-op).
 */
export class Pipeline implements ImpliedWork {
  private readonly announced = new Map<string, number>();
  /** The newest embed task queued per dataset (its row says whether it is still live). */
  private readonly embedTasks = new Map<string, string>();
  private readonly done = new DoneMarks();
  private readonly waits = new PictureWaits();

  constructor(
    private readonly vision: VisionContext,
    private readonly models: ModelRegistry,
    private readonly opts: PipelineOptions,
  ) {}

  // --- ImpliedWork: called inside the change's transaction -------------------------------

  picturesStored(datasetId: string): void {
    // No backbone yet: the sweep at the start that finds one queues the work.
    if (!this.vision.backbone.id) return;
    this.waits.stored(datasetId);
    // An import stores pictures one transaction each; while the dataset's embed task is queued
    // or running, queueing it again is a no-op (its dedupe key is held, and a running task looks
    // again when it ends) that still costs a validated enqueue, a task event and a claim attempt
    // per picture. Skipping it is decided inside this transaction, on the task's stored row.
    // (The key is compared too: a rolled-back task's id may be reused by another task.)
    const known = this.embedTasks.get(datasetId);
    const task = known === undefined ? null : this.vision.queue.get(known);
    if (task?.dedupeKey === `embed:${datasetId}` && (task.state === 'queued' || task.state === 'running')) return;
    this.embedTasks.set(datasetId, this.queueRefresh(datasetId).id);
  }

  labelsChanged(datasetId: string): void {
    if (this.vision.backbone.id && this.opts.autoTrain && this.trainable(datasetId)) this.queueRetrain(datasetId, Date.now() + this.opts.debounceMs);
  }

  // --- queueing ------------------------------------------------------------------------------

  queueRefresh(datasetId: string): Task {
    return this.vision.queue.enqueue('embed', { datasetId }, { dedupeKey: `embed:${datasetId}` });
  }

  /** The one debounced automatic retrain of a dataset: a queued one moves to `runAt`. */
  queueRetrain(datasetId: string, runAt: number): void {
    this.vision.queue.enqueue('train', { datasetId, trigger: 'auto' }, { dedupeKey: `retrain:${datasetId}`, runAt, debounce: true, maxAttempts: 3 });
  }

  /** Two labels with two pictures or more each, and no label of exactly one picture (training refuses those). */
  trainable(datasetId: string): boolean {
    const counts = this.vision.store.datasets.labelCounts(datasetId);
    return counts.filter((n) => n >= 2).length >= 2 && counts.every((n) => n !== 1);
  }

  /**
   * The dataset can train and its active model is out of date: its labelled set changed after
   * the newest run that read it, or the active model reads another backbone's vectors (a new
   * backbone installed: without a retrain nothing could be predicted again).
   */
  owesRetrain(datasetId: string): boolean {
    if (!this.opts.autoTrain || !this.trainable(datasetId)) return false;
    const trained = this.vision.store.runs.trainedLabelsVersion(datasetId);
    if (trained === null || trained < this.vision.store.datasets.labelsVersion(datasetId)) return true;
    const active = this.vision.store.models.activeModelId(datasetId);
    const model = active === null ? null : this.vision.store.models.get(active);
    return model !== null && this.vision.backbone.id !== null && model.backbone !== this.vision.backbone.id && !this.hasLiveRun(datasetId);
  }

  /** A run of the dataset queued or training now (it will make a model on the current backbone). */
  private hasLiveRun(datasetId: string): boolean {
    return this.vision.store.runs.queued(datasetId).length > 0 || this.vision.records.listRuns(datasetId, 1).items[0]?.status === 'running';
  }

  /** Pictures without a vector, or without the active model's prediction (skipping `failed` hashes). */
  lags(datasetId: string, failed: readonly string[] = []): boolean {
    const backbone = this.vision.backbone.id;
    if (!backbone) return false;
    const { predictions } = this.vision.store;
    if (predictions.unembedded(datasetId, backbone, 1, failed, this.done.embeddedThrough(datasetId, backbone)).length > 0) return true;
    const model = this.activeHead(datasetId);
    return model !== null && predictions.unpredicted(datasetId, backbone, model.id, 1, this.done.predictedThrough(datasetId, backbone, model.id)).length > 0;
  }

  /**
   * Start-up: whatever derived state lags behind its source gets its task, whatever
   * happened before (kill -9 between a commit and the next step, a backbone installed
   * since, a build that did not know about predictions). Idempotent.
   */
  sweep(): { refreshed: number; retrained: number } {
    let refreshed = 0;
    let retrained = 0;
    if (!this.vision.backbone.id) return { refreshed, retrained };
    for (const id of this.vision.store.datasets.ids()) {
      if (this.lags(id)) {
        this.queueRefresh(id);
        refreshed++;
      }
      if (this.owesRetrain(id)) {
        this.queueRetrain(id, Date.now());
        retrained++;
      }
    }
    return { refreshed, retrained };
  }

  /**
   * A task of the pipeline ended. Its dedupe key was held while it ran, so a change that
   * came meanwhile may have found it and queued nothing: look again now that it is free.
   */
  afterTask(kind: string, datasetId: string, result: unknown): void {
    if (!this.vision.library.hasDataset(datasetId)) return;
    if (kind === 'embed') {
      const failed = (result as Partial<RefreshResult> | null)?.failed ?? [];
      if (this.lags(datasetId, failed)) this.queueRefresh(datasetId);
    } else if (kind === 'train' && this.owesRetrain(datasetId)) {
      this.queueRetrain(datasetId, Date.now() + this.opts.debounceMs);
    }
  }

  // --- the embed task ----------------------------------------------------------------------

  private activeHead(datasetId: string): { id: string; head: HeadWeights } | null {
    const id = this.vision.store.models.activeModelId(datasetId);
    if (id === null) return null;
    const model = this.vision.records.getModel(id);
    // A model of another backbone cannot read this backbone's vectors: retraining replaces it.
    if (!model || model.backbone !== this.vision.backbone.id) return null;
    return { id, head: this.models.head(id) };
  }

  /**
   * The `embed` task: every picture of the dataset embedded and predicted by the active
   * model. Loops until nothing is missing, so pictures stored while it runs are covered too.
   */
  async refresh(datasetId: string, ctx: Pick<TaskContext, 'signal' | 'progress'>, opts: { linger?: boolean } = {}): Promise<RefreshResult> {
    const backbone = this.vision.backbone.requireId();
    const failed = new Set<string>();
    let firstFailed = Infinity;
    /** The newest picture when a look found nothing missing: all up to it were done then. */
    let caughtUpTo: number | null = null;
    let embedded = 0;
    let predicted = 0;
    // Pictures are looked at in id order and each once per run: the next slice starts past the
    // last, and the first past what an earlier run finished (DoneMarks).
    let after = this.done.embeddedThrough(datasetId, backbone);
    let total = this.vision.store.predictions.countUnembedded(datasetId, backbone, after);
    const report = () => {
      ctx.progress(total === 0 ? 1 : Math.min(1, embedded / total), `${embedded} of ${total} pictures embedded`);
      if (total > 0) this.vision.emit('embed.progress', { datasetId, done: Math.min(embedded, total), total });
    };
    for (;;) {
      ctx.signal.throwIfAborted();
      if (!this.vision.library.hasDataset(datasetId)) break;
      const slice = this.vision.store.predictions.unembedded(datasetId, backbone, EMBED_SLICE, [...failed], after);
      if (slice.length === 0) {
        // Taken now, with the look: pictures stored while the task waits below are past it.
        caughtUpTo = Number(this.vision.store.predictions.lastImageId(datasetId));
        // Caught up: while an import streams in, wait a moment for its next pictures (PictureWaits),
        // unless another embed task is queued for the slot.
        if (opts.linger && !this.embedQueued() && (await this.waits.wait(datasetId, ctx.signal, WAIT_FOR_PICTURES))) continue;
        break;
      }
      after = slice[slice.length - 1].id;
      if (embedded + slice.length > total) total = embedded + slice.length;
      for (let i = 0; i < slice.length; i += EMBED_BATCH) {
        ctx.signal.throwIfAborted();
        const part = slice.slice(i, i + EMBED_BATCH);
        const before = failed.size;
        predicted += await this.embedBatch(datasetId, backbone, part, failed, ctx.signal);
        embedded += part.length - (failed.size - before);
        if (failed.size > before) for (const p of part) if (failed.has(p.hash)) firstFailed = Math.min(firstFailed, Number(p.id));
        report();
      }
    }
    // Every picture up to the last look that found nothing missing is done, but for the ones
    // that failed in this run (a later run tries them again).
    if (caughtUpTo !== null && this.vision.library.hasDataset(datasetId)) {
      this.done.embeddedUpTo(datasetId, backbone, String(Math.min(caughtUpTo, firstFailed - 1)));
    }
    predicted += await this.predictMissing(datasetId, backbone, ctx.signal);
    const active = this.vision.store.models.activeModelId(datasetId);
    if (active !== null) this.vision.store.predictions.prune(datasetId, active);
    this.announce(datasetId, true);
    return { embedded, predicted, failed: [...failed].slice(0, 100) };
  }

  private embedQueued(): boolean {
    return this.vision.queue.list({ kind: 'embed', state: 'queued', limit: 1 }).items.length > 0;
  }

  /** Embeds one batch and stores its vectors and their predictions in one transaction. */
  private async embedBatch(datasetId: string, backbone: string, part: PipelineImage[], failed: Set<string>, signal: AbortSignal): Promise<number> {
    const results = await this.vision.embed(
      part.map((p) => this.vision.library.files.filePath(p.hash, p.ext)),
      { signal },
    );
    const ok: Array<{ image: PipelineImage; vector: Float32Array }> = [];
    results.forEach((r, j) => {
      if (r.ok) ok.push({ image: part[j], vector: r.embedding });
      else failed.add(part[j].hash);
    });
    const model = this.activeHead(datasetId);
    const rows =
      model && ok.length > 0
        ? this.predictRows(
            model.head,
            ok.map((x) => x.image.id),
            ok.map((x) => x.vector),
          )
        : [];
    this.vision.store.transaction(() => {
      for (const x of ok) this.vision.cache.put(backbone, x.image.hash, x.vector);
      if (model) this.vision.store.predictions.put(model.id, rows);
    });
    if (rows.length > 0) this.announce(datasetId);
    return rows.length;
  }

  /** Embedded pictures the active model has not predicted: a head over cached vectors, a slice at a time. */
  private async predictMissing(datasetId: string, backbone: string, signal: AbortSignal): Promise<number> {
    let n = 0;
    // Past the last slice, as long as the active model stays the same (a new one starts over
    // from its own mark).
    let after = { modelId: '', id: '0' };
    for (;;) {
      signal.throwIfAborted();
      const model = this.activeHead(datasetId);
      if (!model) return n;
      if (after.modelId !== model.id) after = { modelId: model.id, id: this.done.predictedThrough(datasetId, backbone, model.id) };
      const slice = this.vision.store.predictions.unpredicted(datasetId, backbone, model.id, PREDICT_SLICE, after.id);
      if (slice.length === 0) {
        // Every embedded picture up to the embedding mark has its prediction now.
        this.done.predictedUpTo(datasetId, backbone, model.id, this.done.embeddedThrough(datasetId, backbone));
        return n;
      }
      after.id = slice[slice.length - 1].id;
      const vectors = this.vision.cache.get(
        backbone,
        slice.map((s) => s.hash),
      );
      const have = slice.filter((s) => vectors.has(s.hash));
      if (have.length === 0) return n;
      const rows = this.predictRows(
        model.head,
        have.map((s) => s.id),
        have.map((s) => vectors.get(s.hash)!),
      );
      this.vision.store.transaction(() => this.vision.store.predictions.put(model.id, rows));
      n += rows.length;
      this.announce(datasetId);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private predictRows(head: HeadWeights, ids: string[], features: Float32Array[]): PredictionRow[] {
    return predictTop(head, features, 1).map((top, i) => ({ imageId: ids[i], label: top[0].label, confidence: top[0].confidence }));
  }

  /** Tells open views that predictions changed (throttled; `final` always announces). */
  private announce(datasetId: string, final = false): void {
    const now = Date.now();
    if (!final && now - (this.announced.get(datasetId) ?? 0) < ANNOUNCE_EVERY_MS) return;
    this.announced.set(datasetId, now);
    this.vision.emit('dataset.changed', { datasetId, reason: 'predictions' });
  }
}
