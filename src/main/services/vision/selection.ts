import {
  findNearDuplicatesBlocked,
  filterByPrediction,
  predict,
  predictionItems,
  rankForLabelling,
  sortByPrediction,
  type PredictedItem,
} from '../../vision/index';
import type { CallOutput, HandlerInput } from '../../../shared/contract/index';
import { fail } from '../errors';
import type { VisionContext } from './context';
import type { DatasetImageRecord as DatasetImage } from '../../store/index';
import type { ModelRegistry } from './model-registry';

/** Pictures per slice when predicting over a whole dataset. */
const SLICE = 2000;
const MAX_LABELLED = 500;

/** Features of the embedded pictures of a dataset, in id order (pictures not embedded yet are skipped). */
function embedded(vision: VisionContext, images: DatasetImage[]): { items: DatasetImage[]; features: Float32Array[] } {
  const backbone = vision.backbone.id;
  if (!backbone) return { items: [], features: [] };
  const vectors = vision.cache.get(
    backbone,
    images.map((i) => i.hash),
  );
  const items = images.filter((i) => vectors.has(i.hash));
  return { items, features: items.map((i) => vectors.get(i.hash)!) };
}

/**
 * The Library's vision features over cached embeddings: sort and filter by the active
 * model's prediction, the active-learning order, near-duplicate groups. All cheap enough
 * to answer per request (no state kept), none of them ever embeds a picture itself.
 */
export class Selection {
  constructor(
    private readonly vision: VisionContext,
    private readonly models: ModelRegistry,
  ) {}

  private latestHead(datasetId: string) {
    const model = this.vision.records.activeModel(datasetId);
    if (!model || model.backbone !== this.vision.backbone.id) return null;
    return { model, head: this.models.head(model.id) };
  }

  predictions(q: HandlerInput<'vision.predictions'>): CallOutput<'vision.predictions'> {
    this.vision.library.getDataset(q.datasetId);
    const latest = this.latestHead(q.datasetId);
    if (!latest) return { modelId: null, items: [] };
    const all = this.vision.store.images.ofDataset(q.datasetId, q.unlabelledOnly ? 'unlabelled' : 'all');
    const kept: PredictedItem[] = [];
    // In slices, so a large dataset never holds every embedding in memory at once.
    for (let i = 0; i < all.length; i += SLICE) {
      const { items, features } = embedded(this.vision, all.slice(i, i + SLICE));
      if (items.length === 0) continue;
      const rows = predictionItems(
        items.map((x) => x.id),
        latest.head.labels,
        predict(latest.head, features),
        items.map((x) => x.label),
      );
      kept.push(
        ...filterByPrediction(rows, {
          predicted: q.predicted,
          minConfidence: q.minConfidence,
          maxConfidence: q.maxConfidence,
          disagreeing: q.disagreeing,
          unlabelledOnly: q.unlabelledOnly,
        }),
      );
    }
    return { modelId: latest.model.id, items: sortByPrediction(kept, q.sort, q.order).slice(0, q.limit) };
  }

  labelNext(datasetId: string, count: number): CallOutput<'vision.labelNext'> {
    this.vision.library.getDataset(datasetId);
    const all = this.vision.store.images.ofDataset(datasetId);
    const { items, features } = embedded(
      this.vision,
      all.filter((i) => i.label === null),
    );
    if (items.length === 0) return { modelId: null, items: [] };
    const latest = this.latestHead(datasetId);
    // rankForLabelling looks at no more than 500 labelled pictures; load no more than that.
    const labelledAll = all.filter((i) => i.label !== null);
    const step = Math.max(1, Math.ceil(labelledAll.length / MAX_LABELLED));
    const labelled = embedded(
      this.vision,
      labelledAll.filter((_, i) => i % step === 0),
    );
    const ranked = rankForLabelling({
      ids: items.map((i) => i.id),
      features,
      probabilities: latest ? predict(latest.head, features) : null,
      classes: latest?.head.labels.length,
      labelledFeatures: labelled.features.length ? labelled.features : undefined,
      mean: latest?.head.mean,
      std: latest?.head.std,
      count: Math.min(count, items.length),
    });
    return { modelId: latest?.model.id ?? null, items: ranked.map((r) => ({ id: r.id, uncertainty: r.uncertainty })) };
  }

  /**
   * Near-duplicate groups among the dataset's embedded pictures. The embeddings are read from
   * the cache a slice of `blockRows` at a time (two slices at most in memory), never all at once:
   * a first pass for the dataset's per-dimension mean and std (the cosine is taken on
   * standardised embeddings, so `threshold` means the same on any backbone), then the search.
   */
  nearDuplicates(datasetId: string, threshold: number, opts: { blockRows?: number } = {}): CallOutput<'vision.nearDuplicates'> {
    this.vision.library.getDataset(datasetId);
    const backbone = this.vision.backbone.id;
    if (!backbone) return { groups: [] };
    const images = this.vision.store.images.ofDataset(datasetId);
    const dims = this.vision.cache.dims(
      backbone,
      images.map((i) => i.hash),
    );
    const items = images.filter((i) => dims.has(i.hash));
    if (items.length < 2) return { groups: [] };
    const dim = dims.get(items[0].hash)!;
    const odd = items.find((i) => dims.get(i.hash) !== dim);
    if (odd)
      throw fail.unavailable(`The cached embedding of picture ${odd.id} has ${dims.get(odd.hash)} values where the others have ${dim}; re-embed the dataset.`);
    const cache = this.vision.cache;
    const r = findNearDuplicatesBlocked({
      ids: items.map((i) => i.id),
      source: {
        rows: items.length,
        dim,
        read: (indices, out) =>
          cache.readInto(
            backbone,
            Array.from(indices, (i) => items[i].hash),
            out,
            dim,
          ),
      },
      blockRows: opts.blockRows,
      threshold,
      keeper: 'largest',
      sizes: items.map((i) => i.width * i.height),
    });
    return { groups: r.groups.map((g) => ({ keeper: g.keeper, members: g.members.map((m) => ({ id: m.id, similarity: m.similarity })) })) };
  }
}
