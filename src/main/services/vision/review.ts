import { findLikelyMislabelled, predictTop, type HeadWeights, type LabelConfidence } from '../../vision/index';
import type { CallOutput, HandlerInput, ReviewItem } from '../../../shared/contract/index';
import type { DatasetImageRecord } from '../../store/index';
import { fail } from '../errors';
import type { VisionContext } from './context';
import type { ModelRegistry } from './model-registry';
import type { Selection } from './selection';
import { outOfFoldInChildProcess } from './train-child-process';

/** K of the K-fold heads behind "likely mislabelled". */
export const REVIEW_FOLDS = 5;

interface Flagged {
  id: string;
  given: string;
  suggested: string;
  score: number;
}

interface MislabelledQueue {
  items: Flagged[];
  note: string | null;
}

type Answer = CallOutput<'review.queue'>;

/**
 * Review mode's four queues. Three are cheap views of the active model's predictions and of
 * active learning (answered per request); "likely mislabelled" trains K heads on the cached
 * embeddings in the training child (never on the main thread) and is cached per
 * (dataset, labels version, backbone): a label change makes the next request recompute it,
 * anything else reuses it. Concurrent requests share one computation.
 */
export class Review {
  private readonly mislabelled = new Map<string, Promise<MislabelledQueue>>();

  constructor(
    private readonly vision: VisionContext,
    private readonly models: ModelRegistry,
    private readonly selection: Selection,
  ) {}

  async queue(q: HandlerInput<'review.queue'>, signal?: AbortSignal): Promise<Answer> {
    this.vision.library.getDataset(q.datasetId);
    // A page of the queue: its first offset + limit pictures are ranked, the first offset dropped.
    const offset = q.offset ?? 0;
    const upTo = offset + q.limit;
    const model = this.activeHead(q.datasetId);
    const answer = (ids: string[], note: string | null = null, extra?: Map<string, Flagged>): Answer => ({
      queue: q.queue,
      modelId: model?.id ?? null,
      items: this.describe(q.datasetId, ids, model?.head ?? null, extra),
      note,
    });
    switch (q.queue) {
      case 'label-next': {
        const r = this.selection.labelNext(q.datasetId, upTo);
        return answer(
          r.items.slice(offset).map((x) => x.id),
          r.items.length === 0 ? 'Every embedded picture has a label.' : null,
        );
      }
      case 'disagreements':
      case 'low-confidence': {
        if (!model) return answer([], 'No model yet: label at least two pictures of two labels and it trains.');
        const r = this.selection.predictions(
          q.queue === 'disagreements'
            ? { datasetId: q.datasetId, disagreeing: true, sort: 'confidence', order: 'desc', limit: upTo }
            : { datasetId: q.datasetId, sort: 'confidence', order: 'asc', limit: upTo },
        );
        return answer(r.items.slice(offset).map((x) => x.id));
      }
      case 'likely-mislabelled': {
        const m = await this.likelyMislabelled(q.datasetId, signal);
        const kept = m.items.slice(offset, upTo);
        return answer(
          kept.map((x) => x.id),
          m.note,
          new Map(kept.map((x) => [x.id, x])),
        );
      }
    }
  }

  /** Whether the queue for the dataset's current labels is already computed (tests, the UI's spinner). */
  isCached(datasetId: string): boolean {
    return this.mislabelled.has(this.key(datasetId));
  }

  private key(datasetId: string): string {
    return `${datasetId}:${this.vision.store.datasets.labelsVersion(datasetId)}:${this.vision.backbone.id ?? ''}`;
  }

  private likelyMislabelled(datasetId: string, signal?: AbortSignal): Promise<MislabelledQueue> {
    const key = this.key(datasetId);
    let entry = this.mislabelled.get(key);
    if (!entry) {
      // One entry per dataset: older label versions are of no further use.
      for (const k of this.mislabelled.keys()) if (k.startsWith(`${datasetId}:`)) this.mislabelled.delete(k);
      entry = this.computeMislabelled(datasetId);
      this.mislabelled.set(key, entry);
      entry.catch(() => this.mislabelled.delete(key));
    }
    if (!signal) return entry;
    // A request that gives up does not cancel the shared computation; it just stops waiting.
    return Promise.race([
      entry,
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(fail.unavailable('The request was cancelled.')), { once: true })),
    ]);
  }

  private async computeMislabelled(datasetId: string): Promise<MislabelledQueue> {
    const backbone = this.vision.backbone.id;
    if (!backbone) return { items: [], note: 'No backbone is installed, so no picture is embedded yet.' };
    const labelled = this.vision.store.images.ofDataset(datasetId, 'labelled');
    const vectors = this.vision.cache.get(
      backbone,
      labelled.map((i) => i.hash),
    );
    const items = labelled.filter((i) => vectors.has(i.hash));
    const counts = new Map<string, number>();
    for (const i of items) counts.set(i.label!, (counts.get(i.label!) ?? 0) + 1);
    if ([...counts.values()].filter((n) => n >= 2).length < 2) {
      return { items: [], note: 'Finding mislabelled pictures needs two labels with two embedded pictures each.' };
    }
    const oof = await outOfFoldInChildProcess(
      { features: items.map((i) => vectors.get(i.hash)!), labels: items.map((i) => i.label!) },
      { folds: REVIEW_FOLDS, spawn: this.vision.spawn },
    );
    const cl = findLikelyMislabelled({ probabilities: oof.probabilities, given: oof.given, classes: oof.classes.length });
    return {
      // score: 1 − p(given)/t_given, in (0, 1], higher is more suspect (the rank order).
      items: cl.items.map((x) => ({ id: items[x.index].id, given: oof.classes[x.given], suggested: oof.classes[x.suggested], score: 1 - x.normalized })),
      note: cl.items.length === 0 ? 'No picture’s label contradicts what the other pictures teach.' : null,
    };
  }

  private activeHead(datasetId: string): { id: string; head: HeadWeights } | null {
    const model = this.vision.records.activeModel(datasetId);
    if (!model || model.backbone !== this.vision.backbone.id) return null;
    return { id: model.id, head: this.models.head(model.id) };
  }

  /** Each picture with its given label and the active model's top three (skipping pictures gone since). */
  private describe(datasetId: string, ids: string[], head: HeadWeights | null, flagged?: Map<string, Flagged>): ReviewItem[] {
    const byId = new Map<string, DatasetImageRecord>();
    for (const img of this.vision.store.images.ofDataset(datasetId)) byId.set(img.id, img);
    const found = ids.map((id) => byId.get(id)).filter((x): x is DatasetImageRecord => x !== undefined);
    const backbone = this.vision.backbone.id;
    const vectors =
      head && backbone
        ? this.vision.cache.get(
            backbone,
            found.map((i) => i.hash),
          )
        : new Map<string, Float32Array>();
    const withVector = found.filter((i) => vectors.has(i.hash));
    const tops = new Map<string, LabelConfidence[]>();
    if (head && withVector.length > 0) {
      predictTop(
        head,
        withVector.map((i) => vectors.get(i.hash)!),
        3,
      ).forEach((t, j) => tops.set(withVector[j].id, t));
    }
    return found.map((img) => {
      const top = tops.get(img.id) ?? [];
      const f = flagged?.get(img.id);
      return {
        id: img.id,
        label: img.label,
        predicted: top[0]?.label ?? null,
        confidence: top[0]?.confidence ?? null,
        top,
        ...(f ? { suggested: f.suggested, score: f.score } : {}),
      };
    });
  }
}
