import type { HistoryChange, HistoryEntry, HistoryState, LabelChange, LabelCount } from '../../../shared/contract';
import { defaultLabelColor } from '../../../shared/label-colors';
import type { LabelCountRecord, StoredFile, Store } from '../../store/index';
import { fail } from '../errors';
import type { Emit } from '../events';
import { acceptAction, deleteImagesAction, deleteLabelAction, labelAction, recolorAction, renameAction } from './label-actions';
import type { ImpliedWork } from './ingest';
import { LabelHistory, type Action } from './label-history';

/** A label as the contract shows it: the colour is its own or the default of its position. */
export function toLabelCount(l: LabelCountRecord): LabelCount {
  return { name: l.name, count: l.count, color: l.color ?? defaultLabelColor(l.position) };
}

/**
 * Every labelling action a person can take back: label, clear, accept predictions, delete
 * pictures, rename / merge / delete / recolour a label. Each is one undo step per dataset.
 */
export class LabellingService {
  readonly history: LabelHistory;

  constructor(
    private readonly store: Store,
    emit: Emit,
    release: (files: readonly StoredFile[]) => Promise<void>,
    private readonly requireDataset: (id: string) => void,
    implied?: () => ImpliedWork,
  ) {
    this.history = new LabelHistory(store, emit, release, implied);
  }

  /** One label (or none) on many pictures; one undo step per dataset they belong to. */
  assign(ids: readonly string[], label: string | null): LabelChange {
    return this.perDataset(ids, (datasetId, mine) => labelAction(this.store, datasetId, mine, label));
  }

  accept(items: ReadonlyArray<{ id: string; label: string }>): LabelChange {
    const byId = new Map(items.map((i) => [i.id, i.label]));
    return this.perDataset([...byId.keys()], (datasetId, mine) =>
      acceptAction(
        this.store,
        datasetId,
        mine.map((id) => ({ id, label: byId.get(id)! })),
      ),
    );
  }

  async deleteImages(ids: readonly string[]): Promise<{ deleted: number; entry: HistoryEntry | null }> {
    const done: Array<Promise<void>> = [];
    let entry: HistoryEntry | null = null;
    let deleted = 0;
    for (const [datasetId, mine] of this.store.images.datasetsOf(ids)) {
      const action = deleteImagesAction(this.store, datasetId, mine);
      if (!action) continue;
      const r = this.history.perform(action);
      done.push(r.released);
      entry = r.entry;
      deleted += action.count;
    }
    await Promise.all(done);
    return { deleted, entry };
  }

  /** Renames (merging into an existing label of that name) and/or recolours; one undo step. */
  updateLabel(datasetId: string, name: string, change: { newName?: string; color?: string | null }): { label: LabelCount; entry: HistoryEntry | null } {
    this.requireDataset(datasetId);
    if (!this.store.labels.get(datasetId, name)) throw fail.notFound(`Dataset ${datasetId} has no label “${name}”.`);
    let entry: HistoryEntry | null = null;
    let current = name;
    if (change.color !== undefined) {
      const a = recolorAction(this.store, datasetId, name, change.color);
      if (a) entry = this.run(a);
    }
    if (change.newName !== undefined && change.newName !== name) {
      const a = renameAction(this.store, datasetId, name, change.newName);
      if (a) entry = this.run(a);
      current = change.newName;
    }
    return { label: this.labelCount(datasetId, current), entry };
  }

  deleteLabel(datasetId: string, name: string): LabelChange {
    this.requireDataset(datasetId);
    const a = deleteLabelAction(this.store, datasetId, name);
    return { updated: a.count, entry: this.run(a) };
  }

  list(datasetId: string, limit: number): HistoryState {
    this.requireDataset(datasetId);
    return this.history.list(datasetId, limit);
  }

  undo(datasetId: string): Promise<HistoryChange> {
    this.requireDataset(datasetId);
    return this.history.undo(datasetId);
  }

  redo(datasetId: string): Promise<HistoryChange> {
    this.requireDataset(datasetId);
    return this.history.redo(datasetId);
  }

  /** Those of these pictures that belong to the dataset (a route under one dataset acts on its own only). */
  idsIn(datasetId: string, ids: readonly string[]): string[] {
    return this.store.images.datasetsOf(ids).get(datasetId) ?? [];
  }

  labelCount(datasetId: string, name: string): LabelCount {
    const d = this.store.datasets.detail(datasetId);
    const l = d?.labels.find((x) => x.name === name);
    if (!l) throw fail.notFound(`Dataset ${datasetId} has no label “${name}”.`);
    return toLabelCount(l);
  }

  private run(a: Action): HistoryEntry {
    const r = this.history.perform(a);
    // Label actions delete no files; a release only follows from history rows dropped past the limit.
    void r.released.catch(() => {});
    return r.entry;
  }

  private perDataset(ids: readonly string[], build: (datasetId: string, ids: string[]) => Action | null): LabelChange {
    let updated = 0;
    let entry: HistoryEntry | null = null;
    for (const [datasetId, mine] of this.store.images.datasetsOf(ids)) {
      const a = build(datasetId, mine);
      if (!a) continue;
      entry = this.run(a);
      updated += a.count;
    }
    return { updated, entry };
  }
}
