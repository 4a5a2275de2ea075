import type { HistoryAction, HistoryChange, HistoryEntry, HistoryState } from '../../../shared/contract';
import type { HistoryRecord, StoredFile, Store } from '../../store/index';
import { fail } from '../errors';
import type { Emit } from '../events';
import { applySteps, Steps, type Applied, type Step } from './history-steps';
import { NO_IMPLIED_WORK, type ImpliedWork } from './ingest';

/** How many actions per dataset can be undone. */
export const HISTORY_LIMIT = 500;

export interface Action {
  datasetId: string;
  action: HistoryAction;
  summary: string;
  count: number;
  undo: Step[];
  redo: Step[];
  files?: readonly StoredFile[];
}

/**
 * A dataset's durable undo history. Every labelling action runs through `perform`: its
 * forward steps are applied and recorded with their way back in the same transaction, so
 * history and data never disagree, even after a crash. Undo and redo replay the stored steps.
 */
export class LabelHistory {
  constructor(
    private readonly store: Store,
    private readonly emit: Emit,
    /** Deletes library files nothing uses any more (the library's lock-guarded release). */
    private readonly release: (files: readonly StoredFile[]) => Promise<void>,
    /** The work a change implies (embed, retrain), queued inside the change's transaction. */
    private readonly implied: () => ImpliedWork = () => NO_IMPLIED_WORK,
  ) {}

  /**
   * Applies an action and records it; returns its entry at once (the change is committed
   * and announced) and `released`, which settles when unused library files are gone.
   */
  perform(a: Action): { entry: HistoryEntry; released: Promise<void> } {
    const { entry, applied, released } = this.store.transaction(() => {
      const applied = applySteps(this.store, a.datasetId, a.redo);
      this.imply(a.datasetId, applied);
      const { id, released } = this.store.history.record(
        {
          datasetId: a.datasetId,
          action: a.action,
          summary: a.summary,
          count: a.count,
          undo: JSON.stringify(a.undo),
          redo: JSON.stringify(a.redo),
          files: a.files ?? [],
        },
        HISTORY_LIMIT,
      );
      return { entry: this.store.history.get(id)!, applied, released };
    });
    return { entry: toEntry(entry), released: this.settle(a.datasetId, applied, released) };
  }

  async undo(datasetId: string): Promise<HistoryChange> {
    return this.step(datasetId, 'undo');
  }

  async redo(datasetId: string): Promise<HistoryChange> {
    return this.step(datasetId, 'redo');
  }

  list(datasetId: string, limit: number): HistoryState {
    return {
      items: this.store.history.list(datasetId, limit).map(toEntry),
      nextUndo: this.next(datasetId, 'undo'),
      nextRedo: this.next(datasetId, 'redo'),
    };
  }

  private next(datasetId: string, way: 'undo' | 'redo'): HistoryEntry | null {
    const r = way === 'undo' ? this.store.history.nextUndo(datasetId) : this.store.history.nextRedo(datasetId);
    return r ? toEntry(r) : null;
  }

  private async step(datasetId: string, way: 'undo' | 'redo'): Promise<HistoryChange> {
    const { record, applied } = this.store.transaction(() => {
      const record = way === 'undo' ? this.store.history.nextUndo(datasetId) : this.store.history.nextRedo(datasetId);
      if (!record) throw fail.conflict(way === 'undo' ? 'There is nothing to undo in this dataset.' : 'There is nothing to redo in this dataset.');
      const steps = Steps.parse(JSON.parse(way === 'undo' ? record.undo : record.redo));
      const applied = applySteps(this.store, datasetId, steps);
      this.imply(datasetId, applied);
      this.store.history.setUndone(record.id, way === 'undo');
      return { record: { ...record, undone: way === 'undo' }, applied };
    });
    // A redone deletion's files stay: its history row still lists them for the next undo.
    await this.settle(datasetId, applied, []);
    return { entry: toEntry(record), nextUndo: this.next(datasetId, 'undo'), nextRedo: this.next(datasetId, 'redo') };
  }

  /** Queues, in the caller's transaction, what the change implies: a retrain, new embeddings. */
  private imply(datasetId: string, applied: Applied): void {
    if (applied.labels || applied.added || applied.deleted.length > 0) {
      this.store.datasets.bumpLabelsVersion(datasetId);
      this.implied().labelsChanged(datasetId);
    }
    if (applied.added) this.implied().picturesStored(datasetId);
  }

  /** Announces the change at once, then lets go of files nothing uses any more. */
  private settle(datasetId: string, applied: Applied, released: StoredFile[]): Promise<void> {
    if (applied.deleted.length > 0) this.emit('dataset.changed', { datasetId, reason: 'images-deleted' });
    if (applied.added) this.emit('dataset.changed', { datasetId, reason: 'images-added' });
    if (applied.labels) this.emit('dataset.changed', { datasetId, reason: 'labels' });
    this.emit('dataset.changed', { datasetId, reason: 'history' });
    const files = [...released, ...applied.deleted.map((d) => ({ hash: d.hash, ext: d.ext }))];
    return files.length > 0 ? this.release(files) : Promise.resolve();
  }
}

function toEntry(r: HistoryRecord): HistoryEntry {
  return {
    id: r.id,
    datasetId: r.datasetId,
    action: r.action as HistoryAction,
    summary: r.summary,
    count: r.count,
    undone: r.undone,
    createdAt: r.createdAt,
  };
}

export function pictures(n: number): string {
  return `${n} picture${n === 1 ? '' : 's'}`;
}
