import { z } from 'zod';
import type { CallOutput, EventName, HandlerInput, Task, TrainParams, TrainPrefs } from '../../../shared/contract/index';
import type { Store } from '../../store/index';
import type { Emit } from '../events';
import type { LibraryService } from '../library/index';
import { toTaskDto, type TaskService } from '../tasks/index';
import type { SpawnChild } from '../child-process';
import { BackboneHost, findModelsDir } from './backbone';
import type { VisionContext } from './context';
import { datasetImages } from './dataset-images';
import { EmbeddingCache } from './embedding-cache';
import { ModelRegistry } from './model-registry';
import { ModelVersions } from './model-versions';
import { PredictFolderInput, runPredictFolder } from './predict-folder';
import { Prediction } from './prediction';
import { Selection } from './selection';
import { Training, TrainTaskInput } from './training';
import { VisionRecords } from './vision-records';

export interface VisionOptions {
  dataDir: string;
  library: LibraryService;
  tasks: TaskService;
  emit: Emit;
  /** Every app event (the bus), to learn of imports and label changes. */
  subscribe: (listener: (event: EventName, payload: unknown) => void) => () => void;
  log: (message: string, err?: unknown) => void;
  /** Folder holding the default backbone; found automatically when absent. */
  modelsDir?: string;
  /** Retrain after label changes (default true; `LOUPE_AUTO_TRAIN=0` turns it off, e.g. for benchmarks). */
  autoTrain?: boolean;
  /** Quiet time after the last change before a retrain (default 1500 ms). */
  debounceMs?: number;
  /** ORT threads of the backbone (default 2). */
  threads?: number;
  /**
   * How the inference and training processes start: child_process.fork by default (headless
   * shell, tests); the Electron shell passes utilityProcess.fork.
   */
  spawn?: SpawnChild;
}

const EmbedTaskInput = z.object({ datasetId: z.string().min(1).max(64) }).strict();

/** Reasons of `dataset.changed` after which labels or pictures differ. */
const RETRAIN_REASONS = new Set(['images-added', 'labels', 'images-deleted']);

/**
 * Loupe's vision features: cached embeddings, training runs and models, prediction,
 * batch prediction to CSV, and the Library's prediction-aware views. Learning while
 * labelling: a change of pictures or labels schedules (debounced) a retrain.
 */
export class VisionService {
  readonly backbone: BackboneHost;
  readonly records: VisionRecords;
  readonly cache: EmbeddingCache;
  readonly models: ModelRegistry;
  /** Model versions: the active one per dataset, pin, rename, delete, compare. */
  readonly versions: ModelVersions;
  readonly training: Training;
  readonly prediction: Prediction;
  readonly selection: Selection;
  private readonly c: VisionContext;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly off: () => void;
  private closed = false;

  constructor(
    store: Store,
    private readonly o: VisionOptions,
  ) {
    this.backbone = new BackboneHost(findModelsDir(o.modelsDir), o.threads ?? 2, o.spawn);
    this.records = new VisionRecords(store.db);
    this.cache = new EmbeddingCache(store.db);
    this.c = {
      db: store.db,
      dataDir: o.dataDir,
      records: this.records,
      cache: this.cache,
      backbone: this.backbone,
      library: o.library,
      queue: o.tasks.queue,
      emit: o.emit,
      log: o.log,
      spawn: o.spawn,
    };
    this.models = new ModelRegistry(this.c);
    this.versions = new ModelVersions(this.c, this.models);
    this.training = new Training(this.c, this.versions);
    this.prediction = new Prediction(this.c, this.models);
    this.selection = new Selection(this.c, this.models);
    this.defineKinds();
    this.off = o.subscribe((event, payload) => this.onEvent(event, payload));
  }

  private defineKinds(): void {
    const q = this.c.queue;
    // One run at a time: runs of one dataset supersede each other, and training is CPU-bound.
    q.define('train', { input: TrainTaskInput, maxAttempts: 2, concurrency: 1, timeoutMs: 30 * 60_000, handler: (input, ctx) => this.training.execute(input, ctx) });
    q.define('embed', {
      input: EmbedTaskInput,
      maxAttempts: 2,
      concurrency: 1,
      timeoutMs: 60 * 60_000,
      handler: (input, ctx) => this.embedDataset(input.datasetId, ctx.signal, (done, total) => ctx.progress(total ? done / total : 1, `${done} of ${total} pictures`)),
    });
    q.define('predict-folder', {
      input: PredictFolderInput,
      maxAttempts: 1,
      concurrency: 1,
      timeoutMs: 6 * 60 * 60_000,
      handler: (input, ctx) => runPredictFolder(this.c, this.models, input, ctx),
    });
  }

  private onEvent(event: EventName, payload: unknown): void {
    if (this.closed) return;
    if (event === 'dataset.changed') {
      const p = payload as { datasetId: string; reason: string };
      if (p.reason === 'deleted') this.cancelTimer(p.datasetId);
      else if (RETRAIN_REASONS.has(p.reason)) this.schedule(p.datasetId);
    } else if (event === 'task.updated') {
      const t = payload as Task;
      if (t.kind !== 'train' || (t.state !== 'cancelled' && t.state !== 'dead')) return;
      const runId = (t.input as { runId?: string } | null)?.runId;
      if (runId) this.training.onTaskEnded(t.id, t.state, runId, t.error?.message ?? null);
    }
  }

  private cancelTimer(datasetId: string): void {
    const t = this.timers.get(datasetId);
    if (t) clearTimeout(t);
    this.timers.delete(datasetId);
  }

  /** Debounced: many label changes in a row make one retrain, 1.5 s after the last. */
  schedule(datasetId: string): void {
    this.cancelTimer(datasetId);
    const timer = setTimeout(() => {
      this.timers.delete(datasetId);
      try {
        this.afterChange(datasetId);
      } catch (err) {
        this.o.log('scheduling a retrain failed:', err);
      }
    }, this.o.debounceMs ?? 1500);
    timer.unref();
    this.timers.set(datasetId, timer);
  }

  private afterChange(datasetId: string): void {
    if (this.closed || !this.o.library.hasDataset(datasetId) || !this.backbone.id) return;
    const d = this.o.library.getDataset(datasetId);
    const trainable = d.labels.filter((l) => l.count >= 2).length >= 2 && d.labels.every((l) => l.count !== 1);
    if ((this.o.autoTrain ?? process.env.LOUPE_AUTO_TRAIN !== '0') && trainable) {
      // A run not started yet reads the labels when it starts: it already covers this change.
      // Empty params: the run takes the dataset's stored preferences (augmentation among them).
      if (this.records.queuedRuns(datasetId).length === 0) this.training.start(datasetId, {}, 'auto');
      return;
    }
    const hashes = datasetImages(this.c.db, datasetId).map((i) => i.hash);
    if (this.cache.countCached(this.backbone.id, hashes) < new Set(hashes).size) {
      this.c.queue.enqueue('embed', { datasetId }, { dedupeKey: `embed:${datasetId}` });
    }
  }

  /** Embeds every picture of a dataset not cached yet (imports trigger it; training does it too). */
  async embedDataset(datasetId: string, signal?: AbortSignal, onProgress?: (done: number, total: number) => void) {
    if (!this.o.library.hasDataset(datasetId)) return { computed: 0, failed: 0 };
    const backbone = this.backbone.requireId();
    const images = datasetImages(this.c.db, datasetId);
    const r = await this.cache.ensure(
      backbone,
      images.map((i) => ({ hash: i.hash, path: this.o.library.files.filePath(i.hash, i.ext) })),
      (paths, opts) => this.backbone.embed(paths, opts),
      {
        signal,
        // The embed task only fills the cache: reading 60,000 vectors back would be wasted.
        vectors: false,
        onProgress: (done, total) => {
          onProgress?.(done, total);
          if (total > 0) this.o.emit('embed.progress', { datasetId, done, total });
        },
      },
    );
    return { computed: r.computed, failed: r.failed.length };
  }

  /** "Train now": refused with a sentence when nothing changed since the last model, unless `force`. */
  startTraining(datasetId: string, params: TrainParams = {}, force = false) {
    return this.training.start(datasetId, params, 'manual', force);
  }

  /** The dataset's training preferences: what every run uses unless it says otherwise, automatic retrains too. */
  trainPrefs(datasetId: string): TrainPrefs {
    this.o.library.getDataset(datasetId);
    return this.records.trainPrefs(datasetId);
  }

  setTrainPrefs(datasetId: string, prefs: Partial<TrainPrefs>): TrainPrefs {
    this.o.library.getDataset(datasetId);
    return this.records.setTrainPrefs(datasetId, prefs);
  }

  predictFolder(input: HandlerInput<'models.predictFolder'>): Task {
    this.models.get(input.modelId);
    return toTaskDto(this.c.queue.enqueue('predict-folder', { ...input, recursive: true }, { maxAttempts: 1 }));
  }

  status(datasetId: string): CallOutput<'vision.status'> {
    this.o.library.getDataset(datasetId);
    const hashes = datasetImages(this.c.db, datasetId).map((i) => i.hash);
    const id = this.backbone.id;
    return {
      backbone: id,
      provider: this.backbone.report()?.provider ?? null,
      error: this.backbone.error,
      images: hashes.length,
      embedded: id ? this.cache.countCached(id, hashes) : 0,
      latestModelId: this.records.activeModel(datasetId)?.id ?? null,
      latestRunId: this.records.latestRunId(datasetId),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.off();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.backbone.close();
  }
}
