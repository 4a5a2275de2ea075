import { join } from 'node:path';
import { z } from 'zod';
import type { CallOutput, EventName, HandlerInput, Task, TrainParams, TrainPrefs } from '../../../shared/contract/index';
import type { Store } from '../../store/index';
import type { BackbonePreference } from '../../vision/index';
import type { Emit } from '../events';
import type { LibraryService } from '../library/index';
import { toTaskDto, type TaskService } from '../tasks/index';
import type { SpawnChild } from '../../queue/index';
import { BackboneHost, findModelsDir } from './backbone';
import type { VisionContext } from './context';
import { type Embedder, EmbeddingCache } from './embedding-cache';
import { ModelRegistry } from './model-registry';
import { ModelVersions } from './model-versions';
import { Pipeline } from './pipeline';
import { PredictFolderInput, runPredictFolder } from './predict-folder';
import { TempOutputs } from './temp-outputs';
import { GrantedFolders } from '../scripts/granted-folders';
import { Prediction } from './prediction';
import { Selection } from './selection';
import { Review } from './review';
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
  /** Which build of the default backbone embeds (default: `LOUPE_BACKBONE`, else auto: int8 where its accuracy check held). */
  backbone?: BackbonePreference;
  /** ORT threads of the backbone (default: defaultThreads, 1 on one core, 2 on two, cores − 1 up to 4 beyond). */
  threads?: number;
  /**
   * How the inference and training processes start: child_process.fork by default (headless
   * shell, tests); the Electron shell passes utilityProcess.fork.
   */
  spawn?: SpawnChild;
  /** With a broker (`loupe serve --broker`): embeds through `loupe worker`s instead of this machine's backbone. */
  remoteEmbedder?: (backbone: string) => Embedder;
}

const EmbedTaskInput = z.object({ datasetId: z.string().min(1).max(64) }).strict();

/**
 * Loupe's vision features: cached embeddings, training runs and models, prediction,
 * batch prediction to CSV, and the Library's prediction-aware views. Learning while
 * labelling: the pipeline (pipeline.ts) queues, in the change's own transaction, the
 * embedding of new pictures and a debounced retrain after label changes.
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
  readonly review: Review;
  readonly pipeline: Pipeline;
  private readonly vision: VisionContext;
  /** Where tasks that scripts queue may reach (checked when such a task runs). */
  private readonly grants: GrantedFolders;
  /** predict-folder's temporary files, remembered so a crash cannot leave them in the person's folders. */
  private readonly temps: TempOutputs;
  private readonly off: () => void;
  private closed = false;

  constructor(
    store: Store,
    private readonly opts: VisionOptions,
  ) {
    this.backbone = new BackboneHost(findModelsDir(opts.modelsDir), opts.threads, opts.spawn, opts.backbone);
    this.grants = new GrantedFolders(store.settings);
    this.temps = new TempOutputs(join(opts.dataDir, 'pending-outputs'));
    this.records = new VisionRecords(store);
    this.cache = new EmbeddingCache(store.embeddings);
    this.vision = {
      store,
      dataDir: opts.dataDir,
      records: this.records,
      cache: this.cache,
      backbone: this.backbone,
      library: opts.library,
      queue: opts.tasks.queue,
      emit: opts.emit,
      log: opts.log,
      spawn: opts.spawn,
      // With a broker, pictures are embedded by `loupe worker`s; otherwise by this machine.
      embed: (paths, embedOptions) =>
        opts.remoteEmbedder ? opts.remoteEmbedder(this.backbone.requireId())(paths, embedOptions) : this.backbone.embed(paths, embedOptions),
    };
    this.models = new ModelRegistry(this.vision);
    this.pipeline = new Pipeline(this.vision, this.models, {
      autoTrain: opts.autoTrain ?? process.env.LOUPE_AUTO_TRAIN !== '0',
      debounceMs: opts.debounceMs ?? 1500,
    });
    this.versions = new ModelVersions(this.vision, this.models, (datasetId) => this.pipeline.queueRefresh(datasetId));
    this.training = new Training(
      this.vision,
      this.versions,
      (datasetId) => this.pipeline.queueRefresh(datasetId),
      (datasetId) => this.pipeline.owesRetrain(datasetId),
    );
    this.prediction = new Prediction(this.vision, this.models);
    this.selection = new Selection(this.vision, this.models);
    this.review = new Review(this.vision, this.models, this.selection);
    this.defineKinds();
    opts.library.setImpliedWork(this.pipeline);
    // Pictures embedded on this machine are decoded once, from import to embedding: the
    // inference process checks each and makes its thumbnail, keeping the pixels for the embed
    // task that follows. A backbone that would not open is not retried per picture: the
    // library decodes itself then (and with a broker, whose workers embed elsewhere).
    if (this.backbone.id && !opts.remoteEmbedder) {
      opts.library.setPictureDecoder((input, path, side) => {
        if (this.closed || this.backbone.error) return Promise.reject(new Error('no inference process'));
        return this.backbone.decodeAhead(Buffer.isBuffer(input) ? input : input.staged, path, side);
      });
    }
    this.off = opts.subscribe((event, payload) => this.onEvent(event, payload));
  }

  /**
   * Start-up: queues whatever derived state lags behind its source (see Pipeline.sweep), and
   * settles runs whose task ended while no one listened (a crash between the two writes).
   */
  sweep(): { refreshed: number; retrained: number } {
    // Temporary files of predict-folder tasks that ended while Loupe was down (killed mid-run).
    const live = (id: string) => {
      const t = this.vision.queue.get(id);
      return !!t && (t.state === 'queued' || t.state === 'running' || t.state === 'failed');
    };
    this.temps.sweep(live).catch((err: unknown) => this.vision.log('Could not remove the temporary files of interrupted predict-folder tasks', err));
    for (const run of this.records.interruptedRuns()) {
      const task = run.taskId ? this.vision.queue.get(run.taskId) : null;
      if (task && (task.state === 'queued' || task.state === 'running' || task.state === 'failed')) continue;
      if (!task && run.status === 'queued') continue; // a run queued without a task (older builds): left as is
      this.training.onTaskEnded(
        run.taskId ?? '',
        task?.state === 'cancelled' ? 'cancelled' : 'dead',
        run.id,
        task?.error?.message ?? 'Loupe stopped while the run was in progress.',
      );
    }
    return this.pipeline.sweep();
  }

  private defineKinds(): void {
    const q = this.vision.queue;
    // One run at a time: runs of one dataset supersede each other, and training is CPU-bound.
    q.define('train', {
      input: TrainTaskInput,
      maxAttempts: 2,
      concurrency: 1,
      timeoutMs: 30 * 60_000,
      handler: (input, ctx) => this.training.execute(input, ctx),
    });
    q.define('embed', {
      input: EmbedTaskInput,
      // Each kill -9 mid-task spends an attempt; what an attempt finished is kept, so more are cheap.
      maxAttempts: 5,
      concurrency: 1,
      timeoutMs: 60 * 60_000,
      // Embeds every picture of the dataset (labelled or not) and predicts each with the active model.
      handler: (input, ctx) => this.pipeline.refresh(input.datasetId, ctx, { linger: true }),
    });
    q.define('predict-folder', {
      input: PredictFolderInput,
      maxAttempts: 1,
      concurrency: 1,
      timeoutMs: 6 * 60 * 60_000,
      handler: (input, ctx) => runPredictFolder(this.vision, this.models, input, ctx, this.grants, this.temps),
    });
  }

  private onEvent(event: EventName, payload: unknown): void {
    if (this.closed || event !== 'task.updated') return;
    const t = payload as Task;
    // A predict-folder task ended (a run killed mid-way and then declared dead included): its temporary file goes.
    if (t.kind === 'predict-folder' && (t.state === 'dead' || t.state === 'cancelled' || t.state === 'succeeded')) {
      this.temps.clean(t.id).catch((err: unknown) => this.vision.log(`Could not remove the temporary file of task ${t.id}`, err));
      return;
    }
    if (t.kind !== 'train' && t.kind !== 'embed') return;
    const input = (t.input ?? {}) as { runId?: string; datasetId?: string };
    if (t.kind === 'train' && (t.state === 'cancelled' || t.state === 'dead')) {
      const runId = input.runId ?? this.records.runOfTask(t.id)?.id;
      if (runId) this.training.onTaskEnded(t.id, t.state, runId, t.error?.message ?? null);
    }
    // A task that held its dedupe key while a change came: look again (not after 'dead', which
    // would loop, nor after a cancel, which a person meant; the next start's sweep sees to those).
    if (input.datasetId && t.state === 'succeeded') {
      try {
        this.pipeline.afterTask(t.kind, input.datasetId, t.result);
      } catch (err) {
        this.opts.log('queueing follow-up work failed:', err);
      }
    }
  }

  /**
   * Embeds every picture of a dataset not embedded yet and predicts them with the active
   * model, now, in this call (the `embed` task runs the same). `computed`: pictures embedded.
   */
  async embedDataset(datasetId: string, signal: AbortSignal = new AbortController().signal): Promise<{ computed: number; failed: number }> {
    if (!this.opts.library.hasDataset(datasetId)) return { computed: 0, failed: 0 };
    const r = await this.pipeline.refresh(datasetId, { signal, progress: () => {} });
    return { computed: r.embedded - r.failed.length, failed: r.failed.length };
  }

  /** "Train now": refused with a sentence when nothing changed since the last model, unless `force`. */
  startTraining(datasetId: string, params: TrainParams = {}, force = false) {
    return this.training.start(datasetId, params, 'manual', force);
  }

  /** The dataset's training preferences: what every run uses unless it says otherwise, automatic retrains too. */
  trainPrefs(datasetId: string): TrainPrefs {
    this.opts.library.getDataset(datasetId);
    return this.records.trainPrefs(datasetId);
  }

  setTrainPrefs(datasetId: string, prefs: Partial<TrainPrefs>): TrainPrefs {
    this.opts.library.getDataset(datasetId);
    return this.records.setTrainPrefs(datasetId, prefs);
  }

  predictFolder(input: HandlerInput<'models.predictFolder'>): Task {
    this.models.get(input.modelId);
    return toTaskDto(this.vision.queue.enqueue('predict-folder', { ...input, recursive: true }, { maxAttempts: 1 }));
  }

  status(datasetId: string): CallOutput<'vision.status'> {
    this.opts.library.getDataset(datasetId);
    const id = this.backbone.id;
    const counts = this.vision.store.predictions.counts(datasetId, id, null);
    const report = this.backbone.report();
    return {
      backbone: id,
      provider: report?.provider ?? null,
      threads: report?.threads ?? null,
      error: this.backbone.error,
      images: counts.images,
      embedded: counts.embedded,
      latestModelId: this.records.activeModel(datasetId)?.id ?? null,
      latestRunId: this.records.latestRunId(datasetId),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.opts.library.setPictureDecoder(null);
    this.off();
    await this.backbone.close();
  }
}
