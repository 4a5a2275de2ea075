import { z } from 'zod';
import { procedure } from './define';
import { Id, LabelCount, LabelName } from './library';
import { HistoryEntry } from './history';

export * from './history';

/** A colour a person picks for a label, as `#rrggbb`. */
export const LabelColor = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^#[0-9a-f]{6}$/, 'A colour is written #rrggbb, for example #3a7bd5.');

/** The history, newest first, with what Ctrl+Z and Ctrl+Shift+Z would do next. */
export const HistoryState = z.object({
  items: z.array(HistoryEntry),
  nextUndo: HistoryEntry.nullable(),
  nextRedo: HistoryEntry.nullable(),
});
export type HistoryState = z.infer<typeof HistoryState>;

/** The answer of an undo or redo: the entry it applied, and what comes next. */
export const HistoryChange = z.object({
  entry: HistoryEntry,
  nextUndo: HistoryEntry.nullable(),
  nextRedo: HistoryEntry.nullable(),
});
export type HistoryChange = z.infer<typeof HistoryChange>;

/** The answer of a labelling action: how many pictures changed and its history entry (null: nothing changed). */
export const LabelChange = z.object({ updated: z.number().int().nonnegative(), entry: HistoryEntry.nullable() });
export type LabelChange = z.infer<typeof LabelChange>;

export const labellingProcedures = {
  'history.list': procedure(z.object({ datasetId: Id, limit: z.number().int().min(1).max(500).default(50) }).strict(), HistoryState, {
    method: 'GET',
    path: '/datasets/:id/history',
    params: { id: 'datasetId' },
    summary: 'The dataset’s labelling history, newest first, with what undo and redo would do',
    tags: ['labels'],
  }),
  // POSTs that take nothing: no body, or an empty JSON object (a body with fields is a 422, not ignored).
  'history.undo': procedure(z.object({ datasetId: Id }).strict(), HistoryChange, {
    method: 'POST',
    path: '/datasets/:id/undo',
    params: { id: 'datasetId' },
    optionalBody: true,
    summary: 'Undo the newest labelling action',
    tags: ['labels'],
  }),
  'history.redo': procedure(z.object({ datasetId: Id }).strict(), HistoryChange, {
    method: 'POST',
    path: '/datasets/:id/redo',
    params: { id: 'datasetId' },
    optionalBody: true,
    summary: 'Redo the labelling action undone last',
    tags: ['labels'],
  }),

  /** Rename (onto an existing name: merge) and/or recolour a label; one undo step. */
  'labels.update': procedure(
    z.object({ datasetId: Id, name: z.string().min(1).max(100), newName: LabelName.optional(), color: LabelColor.nullable().optional() }).strict(),
    z.object({ label: LabelCount, entry: HistoryEntry.nullable() }),
  ),
  /** Deletes a label; its pictures become unlabelled (one undo step). */
  'labels.delete': procedure(z.object({ datasetId: Id, name: z.string().min(1).max(100) }).strict(), LabelChange, {
    method: 'DELETE',
    path: '/datasets/:id/labels/:name',
    params: { id: 'datasetId' },
    summary: 'Delete a label; its pictures become unlabelled',
    tags: ['labels'],
  }),

  /**
   * Accepts predictions: each picture takes the label the person was shown as its guess.
   * The guess travels with the call so a model that changed meanwhile cannot swap it.
   */
  'images.accept': procedure(
    z
      .object({
        items: z
          .array(z.object({ id: Id, label: LabelName }))
          .min(1)
          .max(100_000),
      })
      .strict(),
    LabelChange,
  ),
};
