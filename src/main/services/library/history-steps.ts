import { z } from 'zod';
import type { ImageRecord, Store } from '../../store/index';

/**
 * The steps an undo or redo replays. Each labelling action is stored as two lists of
 * these (one back, one forward), so undo and redo are the same code: apply a list.
 * Labels are named, not numbered, so a step still applies after the label row changed.
 */
const ImageRow = z.object({
  id: z.string(),
  datasetId: z.string(),
  hash: z.string(),
  ext: z.string(),
  fileName: z.string(),
  label: z.string().nullable(),
  width: z.number(),
  height: z.number(),
  createdAt: z.string(),
});

export const Step = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('setLabels'),
    // `acceptedFrom`: the model whose guess the label is (an accepted prediction); absent or
    // null, a person's own label. Entries written before migration 021 have none.
    groups: z.array(z.object({ label: z.string().nullable(), ids: z.array(z.string()), acceptedFrom: z.string().nullable().optional() })),
  }),
  z.object({ op: z.literal('restoreLabel'), name: z.string(), position: z.number(), color: z.string().nullable() }),
  z.object({ op: z.literal('dropLabel'), name: z.string() }),
  z.object({ op: z.literal('renameLabel'), from: z.string(), to: z.string() }),
  z.object({ op: z.literal('setColor'), name: z.string(), color: z.string().nullable() }),
  z.object({ op: z.literal('restoreImages'), images: z.array(ImageRow) }),
  z.object({ op: z.literal('deleteImages'), ids: z.array(z.string()) }),
]);
export type Step = z.infer<typeof Step>;
export const Steps = z.array(Step);

/** What applying steps changed, for the change events and the library's file release. */
export interface Applied {
  labels: boolean;
  added: boolean;
  deleted: ImageRecord[];
}

/** Applies steps to one dataset; the caller holds the transaction. */
export function applySteps(store: Store, datasetId: string, steps: readonly Step[]): Applied {
  const out: Applied = { labels: false, added: false, deleted: [] };
  for (const s of steps) {
    switch (s.op) {
      case 'setLabels':
        for (const g of s.groups) {
          const labelId = g.label === null ? null : store.labels.ensure(datasetId, g.label);
          store.images.setLabel(datasetId, g.ids, labelId, g.acceptedFrom ?? null);
        }
        out.labels = true;
        break;
      case 'restoreLabel':
        store.labels.restore(datasetId, s);
        out.labels = true;
        break;
      case 'dropLabel': {
        const id = store.labels.find(datasetId, s.name);
        if (id !== null) store.labels.drop(id);
        out.labels = true;
        break;
      }
      case 'renameLabel': {
        const id = store.labels.find(datasetId, s.from);
        if (id !== null && store.labels.find(datasetId, s.to) === null) store.labels.rename(id, s.to);
        out.labels = true;
        break;
      }
      case 'setColor': {
        const id = store.labels.find(datasetId, s.name);
        if (id !== null) store.labels.setColor(id, s.color);
        break;
      }
      case 'restoreImages':
        store.images.restore(
          s.images.filter((i) => i.datasetId === datasetId),
          (name) => store.labels.ensure(datasetId, name),
        );
        out.added = true;
        break;
      case 'deleteImages': {
        const rows = store.images.getMany(s.ids).filter((i) => i.datasetId === datasetId);
        store.images.delete(rows.map((r) => r.id));
        out.deleted.push(...rows);
        break;
      }
    }
  }
  return out;
}

export interface LabelGroup {
  label: string | null;
  ids: string[];
  acceptedFrom?: string | null;
}

/**
 * Groups images by label and by where it came from (`acceptedFrom`: the model whose guess
 * was accepted): the "before" of a label change, so an undo restores both.
 */
export function labelGroups(images: ReadonlyArray<Pick<ImageRecord, 'id' | 'label'> & { acceptedFrom?: string | null }>): LabelGroup[] {
  const by = new Map<string, LabelGroup>();
  for (const img of images) {
    const from = img.acceptedFrom ?? null;
    const key = JSON.stringify([img.label, from]);
    let g = by.get(key);
    if (!g) {
      g = from === null ? { label: img.label, ids: [] } : { label: img.label, ids: [], acceptedFrom: from };
      by.set(key, g);
    }
    g.ids.push(img.id);
  }
  return [...by.values()];
}

/** Images as they are now, with where each label came from: the input of labelGroups for an undo. */
export function withProvenance<T extends { id: string }>(store: Store, images: readonly T[]): Array<T & { acceptedFrom: string | null }> {
  const from = store.images.acceptedFrom(images.map((i) => i.id));
  return images.map((i) => ({ ...i, acceptedFrom: from.get(i.id) ?? null }));
}
