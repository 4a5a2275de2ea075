import type { Store } from '../../store/index';
import { fail } from '../errors';
import { labelGroups, withProvenance, type Step } from './history-steps';
import { pictures, type Action } from './label-history';

/**
 * Builds each labelling action as its forward and backward steps, from the dataset as it
 * is now. Nothing here writes: LabelHistory.perform applies and records the result.
 * Null means the action would change nothing (no history entry, no retrain).
 */

export function labelAction(store: Store, datasetId: string, ids: readonly string[], label: string | null): Action | null {
  const changing = store.images.getMany(ids).filter((i) => i.datasetId === datasetId && i.label !== label);
  if (changing.length === 0) return null;
  const n = changing.length;
  return {
    datasetId,
    action: label === null ? 'clear' : 'label',
    summary: label === null ? `${pictures(n)} unlabelled` : `${pictures(n)} labelled “${label}”`,
    count: n,
    undo: [{ op: 'setLabels', groups: labelGroups(withProvenance(store, changing)) }],
    redo: [{ op: 'setLabels', groups: [{ label, ids: changing.map((i) => i.id) }] }],
  };
}

/**
 * Accepting predictions: each picture takes its own guess, so the forward step has one group
 * per label. Each label records the model whose stored guess it is (the active model first):
 * that model is right on it by construction, so it is no held-out evidence for that model.
 * A label no model guessed counts as the person's own.
 */
export function acceptAction(store: Store, datasetId: string, items: ReadonlyArray<{ id: string; label: string }>): Action | null {
  const want = new Map(items.map((i) => [i.id, i.label]));
  const changing = store.images.getMany([...want.keys()]).filter((i) => i.datasetId === datasetId && i.label !== want.get(i.id));
  if (changing.length === 0) return null;
  const n = changing.length;
  const guessed = store.predictions.guessedBy(
    changing.map((i) => ({ imageId: i.id, label: want.get(i.id)! })),
    store.models.activeModelId(datasetId),
  );
  return {
    datasetId,
    action: 'accept',
    summary: `${n} prediction${n === 1 ? '' : 's'} accepted`,
    count: n,
    undo: [{ op: 'setLabels', groups: labelGroups(withProvenance(store, changing)) }],
    redo: [{ op: 'setLabels', groups: labelGroups(changing.map((i) => ({ id: i.id, label: want.get(i.id)!, acceptedFrom: guessed.get(i.id) ?? null }))) }],
  };
}

export function deleteImagesAction(store: Store, datasetId: string, ids: readonly string[]): Action | null {
  const rows = store.images.getMany(ids).filter((i) => i.datasetId === datasetId);
  if (rows.length === 0) return null;
  return {
    datasetId,
    action: 'delete-images',
    summary: `${pictures(rows.length)} deleted`,
    count: rows.length,
    undo: [{ op: 'restoreImages', images: rows }],
    redo: [{ op: 'deleteImages', ids: rows.map((r) => r.id) }],
    files: rows.map((r) => ({ hash: r.hash, ext: r.ext })),
  };
}

function existing(store: Store, datasetId: string, name: string) {
  const label = store.labels.get(datasetId, name);
  if (!label) throw fail.notFound(`Dataset ${datasetId} has no label “${name}”.`);
  return label;
}

/** Renames a label, or merges it into another when the new name is taken. */
export function renameAction(store: Store, datasetId: string, from: string, to: string): Action | null {
  const label = existing(store, datasetId, from);
  if (from === to) return null;
  const target = store.labels.get(datasetId, to);
  if (!target) {
    return {
      datasetId,
      action: 'rename-label',
      summary: `Label “${from}” renamed “${to}”`,
      count: 1,
      undo: [{ op: 'renameLabel', from: to, to: from }],
      redo: [{ op: 'renameLabel', from, to }],
    };
  }
  const ids = store.labels.imageIds(label.id);
  return {
    datasetId,
    action: 'merge-labels',
    summary: `“${from}” merged into “${to}” (${pictures(ids.length)})`,
    count: ids.length,
    undo: [
      { op: 'restoreLabel', name: from, position: label.position, color: label.color },
      {
        op: 'setLabels',
        groups: labelGroups(
          withProvenance(
            store,
            ids.map((id) => ({ id, label: from })),
          ),
        ),
      },
    ],
    redo: [
      { op: 'setLabels', groups: [{ label: to, ids }] },
      { op: 'dropLabel', name: from },
    ],
  };
}

export function deleteLabelAction(store: Store, datasetId: string, name: string): Action {
  const label = existing(store, datasetId, name);
  const ids = store.labels.imageIds(label.id);
  const undo: Step[] = [{ op: 'restoreLabel', name, position: label.position, color: label.color }];
  if (ids.length > 0)
    undo.push({
      op: 'setLabels',
      groups: labelGroups(
        withProvenance(
          store,
          ids.map((id) => ({ id, label: name })),
        ),
      ),
    });
  return {
    datasetId,
    action: 'delete-label',
    summary: ids.length > 0 ? `Label “${name}” deleted; ${pictures(ids.length)} unlabelled` : `Label “${name}” deleted`,
    count: ids.length,
    undo,
    redo: [{ op: 'dropLabel', name }],
  };
}

export function recolorAction(store: Store, datasetId: string, name: string, color: string | null): Action | null {
  const label = existing(store, datasetId, name);
  if (label.color === color) return null;
  return {
    datasetId,
    action: 'recolor-label',
    summary: `Label “${name}” recoloured`,
    count: 1,
    undo: [{ op: 'setColor', name, color: label.color }],
    redo: [{ op: 'setColor', name, color }],
  };
}
