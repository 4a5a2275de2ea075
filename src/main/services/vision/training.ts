import { z } from 'zod';
import { evaluateTrainResult, isTrainingRefusal, serializeHead, toRunMetrics, type TrainProgress } from '../../vision/index';
import { UnrecoverableError, type TaskContext } from '../../queue/index';
import { TrainParams, type EpochPoint, type Run } from '../../../shared/contract/index';
import { fail } from '../errors';
import type { VisionContext } from './context';
import { VariantCache, VARIANTS } from './augmentation';
import type { DatasetImageRecord } from '../../store/index';
import { trainHeadInChildProcess } from './train-child-process';
import { foldKey, trainingFingerprint } from './held-out';
import type { ModelVersions } from './model-versions';

/**
 * `runId` is absent when the task came straight from `POST /v1/tasks` or is an automatic
 * retrain (`trigger: 'auto'`, queued by the pipeline): the run is created when it starts.
 */
export const TrainTaskInput = z
  .object({
    datasetId: z.string().min(1).max(64),
    runId: z.string().min(1).max(64).optional(),
    params: TrainParams.optional(),
    trigger: z.enum(['manual', 'auto']).optional(),
  })
  .strict();
export type TrainTaskInput = z.infer<typeof TrainTaskInput>;

/** Pictures listed per confusion cell: enough to page through on the Train page, bounded in size. */
const EXAMPLES_PER_CELL = 60;

/** Embedding is the first share of a run's progress bar; training the rest. */
const EMBED_SHARE = 0.4;
/** With augmentation the embedding share is split: pictures first, then their copies. */
const AUGMENT_SPLIT = 0.35;

/**
 * Training runs: one queue task per run. The task embeds what is not cached yet, trains a
 * head, evaluates it on the held-out split and stores a new model version. The run row
 * carries everything the Train page draws, streamed as `run.updated` while it changes.
 */
export class Training {
  private readonly variants: VariantCache;

  constructor(
    private readonly vision: VisionContext,
    private readonly versions: ModelVersions,
    /** Called in the transaction that stores a new model: the work it implies (predictions). */
    private readonly onModel: (datasetId: string) => void = () => {},
    /** Whether an automatic retrain is still owed when its task starts (a later run may have covered it). */
    private readonly owed: (datasetId: string) => boolean = () => true,
  ) {
    this.variants = new VariantCache(vision.store.embeddings);
  }

  /** A run and its task, committed together: neither exists without the other. */
  start(datasetId: string, params: TrainParams = {}, trigger: 'manual' | 'auto' = 'manual', force = false): { taskId: string; runId: string } {
    const dataset = this.vision.library.getDataset(datasetId);
    // Checked at the door: a run over nothing would be accepted (202) and only die later.
    if (!dataset.labels.some((l) => l.count > 0)) {
      throw fail.validation(
        `“${dataset.name}” has no labelled pictures to learn from. Label at least two pictures of each of two labels, then train.`,
        'labels',
      );
    }
    const backbone = this.vision.backbone.requireId();
    params = this.withPrefs(datasetId, params);
    if (trigger === 'manual' && !force) this.refuseUnchanged(datasetId, backbone, params);
    const { run, task } = this.vision.store.transaction(() => {
      const run = this.vision.records.createRun({ datasetId, trigger, backbone, params });
      const task = this.vision.queue.enqueue('train', { runId: run.id, datasetId } satisfies TrainTaskInput, { maxAttempts: 2 });
      this.vision.records.setRunTask(run.id, task.id);
      return { run, task };
    });
    this.emitRun(run.id);
    return { taskId: task.id, runId: run.id };
  }

  /**
   * A run's parameters after the dataset's stored preferences: an explicit `augment` becomes
   * the preference (the Train page's box, the API's train options); an absent one takes it,
   * so automatic retrains augment whenever the person asked for it once. The run records it.
   */
  private withPrefs(datasetId: string, params: TrainParams): TrainParams {
    if (params.augment !== undefined) {
      this.vision.records.setTrainPrefs(datasetId, { augment: params.augment });
      return params;
    }
    return this.vision.records.trainPrefs(datasetId).augment ? { ...params, augment: true } : params;
  }

  /** "Train now" with the same pictures, labels and settings as the last model would make the same model: say so. */
  private refuseUnchanged(datasetId: string, backbone: string, params: TrainParams): void {
    const last = this.vision.records.lastSucceeded(datasetId);
    if (!last?.fingerprint || !last.run.modelId) return;
    const now = trainingFingerprint(this.vision.store.images.ofDataset(datasetId, 'labelled'), backbone, params);
    if (now !== last.fingerprint) return;
    const model = this.vision.records.getModel(last.run.modelId);
    throw fail.conflict(
      `Nothing changed since ${model?.name ?? 'the last model'} was trained: the same pictures, labels and settings would make the same model. Label or add pictures first, or train anyway.`,
    );
  }

  cancel(runId: string): Run {
    const run = this.get(runId);
    if (run.taskId && (run.status === 'queued' || run.status === 'running')) {
      const t = this.vision.queue.get(run.taskId);
      if (t && (t.state === 'queued' || t.state === 'running' || t.state === 'failed')) this.vision.queue.cancel(run.taskId);
    }
    if (run.status === 'queued') this.finish(runId, 'cancelled', { error: { code: 'cancelled', message: 'The run was cancelled before it started.' } });
    return this.get(runId);
  }

  get(runId: string): Run {
    const run = this.vision.records.getRun(runId);
    if (!run) throw fail.notFound(`No run ${runId}.`);
    return run;
  }

  /** The queue noticed a train task end without its handler finishing the run (cancelled while queued, dead). */
  onTaskEnded(taskId: string, state: string, runId: string, message: string | null): void {
    const run = this.vision.records.getRun(runId);
    if (!run || run.taskId !== taskId || (run.status !== 'queued' && run.status !== 'running')) return;
    if (state === 'cancelled') this.finish(runId, 'cancelled', { error: { code: 'cancelled', message: 'The run was cancelled.' } });
    else if (state === 'dead') this.finish(runId, 'failed', { error: { code: 'internal', message: message ?? 'Training failed.' } });
  }

  async execute(input: TrainTaskInput, ctx: TaskContext): Promise<{ runId: string; modelId: string; accuracy: number } | { skipped: string }> {
    if (!this.vision.library.hasDataset(input.datasetId)) {
      throw new UnrecoverableError(`Dataset ${input.datasetId} no longer exists.`, 'not_found');
    }
    if (!input.runId) {
      // A second attempt (after a crash) finds the run its first attempt made.
      const existing = this.vision.records.runOfTask(ctx.id);
      if (existing) input = { ...input, runId: existing.id };
      else {
        if (input.trigger === 'auto' && !this.owed(input.datasetId)) return { skipped: 'The labels have not changed since the newest run.' };
        // Pictures still arriving: train once they are in. Ending here leaves the retrain owed,
        // and the pipeline queues it again a debounce later (Pipeline.afterTask).
        if (input.trigger === 'auto' && this.vision.library.isReceiving(input.datasetId))
          return { skipped: 'Pictures are still arriving; the retrain follows them.' };
        const params = this.withPrefs(input.datasetId, input.params ?? {});
        const created = this.vision.records.createRun({
          datasetId: input.datasetId,
          trigger: input.trigger ?? 'manual',
          backbone: this.vision.backbone.requireId(),
          params,
          taskId: ctx.id,
        });
        input = { ...input, runId: created.id };
      }
    }
    const run = input.runId ? this.vision.records.getRun(input.runId) : null;
    if (!run) throw new UnrecoverableError(`Run ${input.runId ?? ''} no longer exists.`, 'not_found');
    if (run.status === 'cancelled') throw new UnrecoverableError('The run was cancelled.', 'cancelled');
    const backbone = this.vision.backbone.requireId();
    // The labelled set is read now: the run records which version of it it trained on.
    const images = this.vision.store.images.ofDataset(input.datasetId, 'labelled');
    this.vision.records.startRun(run.id, backbone, this.vision.store.datasets.labelsVersion(input.datasetId));
    this.emitRun(run.id);

    const { augment = false, ...trainParams } = run.params;
    const pictureShare = augment ? EMBED_SHARE * AUGMENT_SPLIT : EMBED_SHARE;
    ctx.progress(0, 'Embedding pictures');
    const { vectors, failed } = await this.vision.cache
      .ensure(
        backbone,
        images.map((img) => ({ hash: img.hash, path: this.vision.library.files.filePath(img.hash, img.ext) })),
        this.vision.embed,
        {
          signal: ctx.signal,
          onProgress: (done, total) => {
            ctx.progress(total === 0 ? pictureShare : (done / total) * pictureShare, `Embedding ${done} of ${total} pictures`);
            if (total > 0) this.vision.emit('embed.progress', { datasetId: input.datasetId, done, total });
          },
        },
      )
      .catch((err: unknown) => this.stopOnError(run.id, err, ctx));
    const rows = images.filter((img) => vectors.has(img.hash));
    if (failed.length > 0) ctx.log(`${failed.length} pictures could not be read and were left out.`);
    const augmented = augment ? await this.augmentedRows(run.id, backbone, rows, pictureShare, ctx) : undefined;

    const history: EpochPoint[] = [];
    let result;
    try {
      // In a child process: minutes of training must not stall the HTTP server and IPC.
      result = await trainHeadInChildProcess(
        { features: rows.map((r) => vectors.get(r.hash)!), labels: rows.map((r) => r.label!), augmented },
        {
          ...trainParams,
          // Held out by content hash, not by seed: every run is measured on the same pictures.
          splitKeys: rows.map((r) => foldKey(r.hash)),
          signal: ctx.signal,
          spawn: this.vision.spawn,
          onEpoch: (p: TrainProgress) => {
            history.push({ ...p });
            this.vision.records.setHistory(run.id, history);
            ctx.progress(EMBED_SHARE + (1 - EMBED_SHARE) * (p.epoch / p.epochs), `Epoch ${p.epoch} of at most ${p.epochs}`);
            this.emitRun(run.id);
          },
        },
      );
    } catch (err) {
      return this.stopOnError(run.id, err, ctx);
    }

    const report = evaluateTrainResult(result);
    const metrics = toRunMetrics(report);
    const examples = report.cells.map((row) => row.map((cell) => cell.slice(0, EXAMPLES_PER_CELL).map((i) => rows[i].id)));
    const datasetName = this.vision.library.getDataset(input.datasetId).name;
    const heldOut = result.validationIndices.map((i) => rows[i]);
    // The model, its activation, the run's outcome and the predictions the model implies commit together.
    const model = this.vision.store.transaction(() => {
      const model = this.vision.records.createModel({
        datasetId: input.datasetId,
        runId: run.id,
        labels: result.head.labels,
        backbone,
        head: serializeHead(result.head),
        metrics,
        datasetName,
        // The host cannot change backbone while the app runs, so the build it reports made these vectors.
        backboneBuild: this.vision.backbone.embeddedWith?.backbone === backbone ? this.vision.backbone.embeddedWith : null,
      });
      const activation = this.versions.decide(input.datasetId, model, {
        features: heldOut.map((r) => vectors.get(r.hash)!),
        labels: heldOut.map((r) => r.label!),
        acceptedFrom: heldOut.map((r) => r.acceptedFrom),
      });
      this.vision.records.finishRun(run.id, 'succeeded', {
        metrics,
        modelId: model.id,
        details: {
          fingerprint: trainingFingerprint(rows, backbone, run.params),
          activation,
          examples,
          counts: {
            images: rows.length,
            train: result.trainIndices.length,
            validation: result.validationIndices.length,
            ...(augment ? { augmented: result.augmentedUsed } : {}),
          },
        },
      });
      this.onModel(input.datasetId);
      return model;
    });
    this.emitRun(run.id);
    this.vision.emit('model.created', model);
    return { runId: run.id, modelId: model.id, accuracy: metrics.accuracy };
  }

  /**
   * Extra training rows from augmented copies of every picture (cached per variant). Each
   * row names its source picture so the trainer drops copies of validation pictures.
   */
  private async augmentedRows(
    runId: string,
    backbone: string,
    rows: DatasetImageRecord[],
    from: number,
    ctx: TaskContext,
  ): Promise<Array<{ features: Float32Array; label: string; source: number }>> {
    ctx.progress(from, 'Embedding augmented copies');
    const { vectors, failed, computed } = await this.variants
      .ensure(
        backbone,
        rows.map((img) => ({ hash: img.hash, path: this.vision.library.files.filePath(img.hash, img.ext) })),
        this.vision.backbone,
        {
          signal: ctx.signal,
          onProgress: (done, total) => ctx.progress(from + (total === 0 ? 1 : done / total) * (EMBED_SHARE - from), `Augmenting ${done} of ${total} pictures`),
        },
      )
      .catch((err: unknown) => this.stopOnError(runId, err, ctx));
    if (computed > 0) ctx.log(`Embedded ${VARIANTS.length} augmented copies of ${computed} pictures.`);
    if (failed.length > 0) ctx.log(`${failed.length} pictures could not be augmented; their originals are still used.`);
    // Fixed variant order: the same pictures give the same rows, so a run is reproducible from its seed.
    return rows.flatMap((r, i) => {
      const m = vectors.get(r.hash);
      if (!m) return [];
      return VARIANTS.flatMap((v) => {
        const features = m.get(v);
        return features ? [{ features, label: r.label!, source: i }] : [];
      });
    });
  }

  /** Training's own refusals (one label, a label of one picture…) end the run with their message; no retry helps. */
  private stopOnError(runId: string, err: unknown, ctx: TaskContext): never {
    const why = (ctx.signal.reason as { code?: unknown } | undefined)?.code;
    if (ctx.signal.aborted && why === 'shutdown') {
      // Loupe is stopping: the queue runs the task again at the next start, so the run waits.
      this.vision.records.requeueRun(runId);
      throw err;
    }
    if (ctx.signal.aborted && why === 'timeout') {
      this.finish(runId, 'failed', { error: { code: 'timeout', message: 'Training took longer than its time limit and was stopped.' } });
      throw err;
    }
    if (ctx.signal.aborted || (isTrainingRefusal(err) && err.code === 'cancelled')) {
      this.finish(runId, 'cancelled', { error: { code: 'cancelled', message: 'The run was cancelled.' } });
      throw err;
    }
    if (isTrainingRefusal(err)) {
      this.finish(runId, 'failed', { error: { code: err.code, message: err.message } });
      throw new UnrecoverableError(err.message, err.code);
    }
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: unknown }).code;
    this.finish(runId, 'failed', { error: { code: typeof code === 'string' ? code : 'internal', message } });
    throw err;
  }

  private finish(runId: string, status: Run['status'], f: Parameters<VisionContext['records']['finishRun']>[2]): void {
    this.vision.records.finishRun(runId, status, f);
    this.emitRun(runId);
  }

  private emitRun(runId: string): void {
    const run = this.vision.records.getRun(runId);
    if (run) this.vision.emit('run.updated', run);
  }
}
