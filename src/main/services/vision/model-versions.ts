import { rmSync } from 'node:fs';
import type { HeldOutScore, Model, ModelComparison, ModelVersions as Versions } from '../../../shared/contract/index';
import { fail } from '../errors';
import type { VisionContext } from './context';
import { independentRows, isHeldOut, scoreHead } from './held-out';
import type { ModelRegistry } from './model-registry';

/** What happened to a new run's model: active or not, and against what. */
export interface Activation {
  activated: boolean;
  reason: 'first' | 'at-least-as-good' | 'worse' | 'pinned';
  /**
   * The model it was compared with, both scores on the same held-out pictures, how many
   * pictures that was, and how many were left out as accepted guesses of the compared model.
   */
  comparedWith: { modelId: string; accuracy: number; newAccuracy: number; pictures: number; leftOut: number; fallback: boolean } | null;
}

/** A run's held-out rows: embedding, label, and the model whose guess the label was accepted from. */
export interface HeldOutRows {
  features: Float32Array[];
  labels: string[];
  acceptedFrom: Array<string | null>;
}

/**
 * A dataset's model versions: which one is active (one per dataset), pinning, renaming,
 * deleting, comparing two on the same held-out pictures, and the rule for new runs: a
 * new model becomes active only if it scores at least as well as the active one on the
 * new run's held-out pictures, unless the person pinned a model. Pictures labelled by
 * accepting a compared model's guess are no evidence for it and are left out of both
 * scores (independentRows), unless too few others remain.
 */
export class ModelVersions {
  constructor(
    private readonly vision: VisionContext,
    private readonly models: ModelRegistry,
    /** The active model may have changed: the pipeline predicts every picture with it. */
    private readonly onActiveChanged: (datasetId: string) => void = () => {},
  ) {}

  list(datasetId: string): Versions {
    this.vision.library.getDataset(datasetId);
    const activeModelId = this.vision.records.active.activeModelId(datasetId);
    const pinned = this.vision.records.active.get(datasetId).pinned;
    const items = this.all(datasetId).map((m) => ({ ...m, active: m.id === activeModelId, pinned: pinned && m.id === activeModelId }));
    return { items, activeModelId, pinned };
  }

  pin(datasetId: string, modelId: string | null): Versions {
    this.vision.library.getDataset(datasetId);
    if (modelId === null) {
      // Unpinned: the active model stays until a run does at least as well.
      this.vision.records.active.set(datasetId, this.vision.records.active.activeModelId(datasetId), false);
    } else {
      const m = this.models.get(modelId);
      if (m.datasetId !== datasetId) throw fail.validation(`Model ${modelId} belongs to another dataset.`, 'modelId');
      this.vision.records.active.set(datasetId, modelId, true);
    }
    this.changed(datasetId);
    return this.list(datasetId);
  }

  rename(id: string, name: string): Model {
    this.models.get(id);
    this.vision.store.models.rename(id, name.trim());
    const m = this.models.get(id);
    if (m.datasetId) this.changed(m.datasetId);
    return m;
  }

  /** Deletes a version; when it was active, the newest remaining one takes over (unpinned). */
  delete(id: string): { deleted: boolean; activeModelId: string | null } {
    const m = this.models.get(id);
    this.vision.store.transaction(() => {
      this.vision.store.models.delete(id);
      if (m.datasetId && this.vision.records.active.get(m.datasetId).modelId === null) this.vision.records.active.set(m.datasetId, null, false);
    });
    rmSync(this.models.exportPath(id), { force: true });
    this.models.forget(id);
    const activeModelId = m.datasetId ? this.vision.records.active.activeModelId(m.datasetId) : null;
    if (m.datasetId) this.changed(m.datasetId);
    return { deleted: true, activeModelId };
  }

  /** Both models scored on the dataset's held-out pictures as they are now, less accepted guesses of either. */
  compare(aId: string, bId: string): ModelComparison {
    const a = this.models.get(aId);
    const b = this.models.get(bId);
    if (!a.datasetId || a.datasetId !== b.datasetId) throw fail.validation('Compare two models of the same dataset.', 'b');
    const rows = independentRows(this.heldOutRows(a.datasetId), [a.id, b.id]);
    return {
      datasetId: a.datasetId,
      pictures: rows.features.length,
      leftOut: rows.leftOut,
      fallback: rows.fallback,
      a: { modelId: a.id, name: a.name, score: this.score(a.id, rows.features, rows.labels) },
      b: { modelId: b.id, name: b.name, score: this.score(b.id, rows.features, rows.labels) },
    };
  }

  /**
   * After a run: should its model become active? Both it and the active model are scored on
   * the run's own held-out pictures, less those labelled by accepting the active model's
   * guesses (the active model is right there by construction); only a pinned choice overrides
   * (a pinned model of another backbone build cannot predict, so it does not).
   */
  decide(datasetId: string, model: Model, heldOut: HeldOutRows): Activation {
    const current = this.vision.records.active.get(datasetId);
    const activeId = this.vision.records.active.activeModelId(datasetId);
    const previous = activeId === model.id ? null : activeId;
    // A pin holds only while the pinned model can run: one trained on another backbone build
    // (the default moved from float to int8) predicts nothing any more, so the new model replaces it.
    const pinnedRuns = previous !== null && this.vision.records.getModel(previous)?.backbone === model.backbone;
    if (current.pinned && previous && pinnedRuns) return { activated: false, reason: 'pinned', comparedWith: null };
    if (!previous) {
      this.vision.records.active.set(datasetId, model.id, false);
      return { activated: true, reason: 'first', comparedWith: null };
    }
    const rows = independentRows(heldOut, [previous, model.id]);
    let old: number;
    try {
      old = scoreHead(this.models.head(previous), rows.features, rows.labels).accuracy;
    } catch {
      old = -1; // trained on another backbone or unreadable: it cannot be compared, so it cannot win
    }
    const now = scoreHead(this.models.head(model.id), rows.features, rows.labels).accuracy;
    const activated = now >= old;
    this.vision.records.active.set(datasetId, activated ? model.id : previous, false);
    return {
      activated,
      reason: activated ? 'at-least-as-good' : 'worse',
      comparedWith: {
        modelId: previous,
        accuracy: Math.max(0, old),
        newAccuracy: now,
        pictures: rows.features.length,
        leftOut: rows.leftOut,
        fallback: rows.fallback,
      },
    };
  }

  private heldOutRows(datasetId: string): HeldOutRows {
    const backbone = this.vision.backbone.id;
    const images = this.vision.store.images.ofDataset(datasetId, 'labelled').filter((i) => isHeldOut(i.hash));
    if (!backbone || images.length === 0) return { features: [], labels: [], acceptedFrom: [] };
    const vectors = this.vision.cache.get(
      backbone,
      images.map((i) => i.hash),
    );
    const kept = images.filter((i) => vectors.has(i.hash));
    return { features: kept.map((i) => vectors.get(i.hash)!), labels: kept.map((i) => i.label!), acceptedFrom: kept.map((i) => i.acceptedFrom) };
  }

  private score(modelId: string, features: Float32Array[], labels: string[]): HeldOutScore {
    const s = scoreHead(this.models.head(modelId), features, labels);
    return { accuracy: s.accuracy, correct: s.correct, pictures: s.total, perLabel: s.perLabel };
  }

  private all(datasetId: string): Model[] {
    const out: Model[] = [];
    let cursor: string | null = null;
    do {
      const page = this.vision.records.listModels(datasetId, 500, cursor);
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  private changed(datasetId: string): void {
    this.onActiveChanged(datasetId);
    this.vision.emit('dataset.changed', { datasetId, reason: 'models' });
  }
}
