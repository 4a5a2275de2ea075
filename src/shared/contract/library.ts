import { z } from 'zod';
import { procedure } from './define';
import { HistoryEntry as HistoryEntryRef } from './history';

// Identifiers are strings everywhere (API.md), even where SQLite hands out integers.
export const Id = z.string().min(1).max(64);

export const LabelName = z
  .string()
  .trim()
  .min(1, 'A label needs a name.')
  .max(100, 'A label name has at most 100 characters.')
  // A pattern, not a refine, so the OpenAPI document carries the rule too.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what a label may not hold
  .regex(/^[^\\/\u0000-\u001f]*$/, 'A label name cannot contain slashes or control characters.');

const DatasetName = z.string().trim().min(1, 'A dataset needs a name.').max(200);

export const Dataset = z.object({
  id: Id,
  name: z.string(),
  imageCount: z.number().int().nonnegative(),
  createdAt: z.string(),
});
export type Dataset = z.infer<typeof Dataset>;

/** A label with its picture count and colour; lists hold labels in creation order (the order of the 1–9 shortcuts). */
export const LabelCount = z.object({ name: z.string(), count: z.number().int().nonnegative(), color: z.string() });
export type LabelCount = z.infer<typeof LabelCount>;

export const DatasetDetail = Dataset.extend({
  labels: z.array(LabelCount),
  unlabeledCount: z.number().int().nonnegative(),
  /** The model that predicts for this dataset: the one pinned or chosen, else the newest (null: none yet). */
  activeModelId: Id.nullable(),
});
export type DatasetDetail = z.infer<typeof DatasetDetail>;

/** What the dataset's active model says a picture is (stored per picture and model, see ImageSort). */
export const ImagePrediction = z.object({ label: z.string(), confidence: z.number(), modelId: Id });
export type ImagePrediction = z.infer<typeof ImagePrediction>;

export const Image = z.object({
  id: Id,
  datasetId: Id,
  hash: z.string(),
  label: z.string().nullable(),
  width: z.number().int(),
  height: z.number().int(),
  fileName: z.string(),
  /** The dataset's active model's prediction; null until that model has predicted the picture (or there is no model yet). */
  prediction: ImagePrediction.nullable(),
});
export type Image = z.infer<typeof Image>;

export const ImageSort = z.enum(['added', 'name', 'confidence', '-confidence']);
export type ImageSort = z.infer<typeof ImageSort>;

export const Page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** Whether a picture's given label and the active model's guess agree (both must exist). */
export const Agreement = z.enum(['agrees', 'disagrees']);
export type Agreement = z.infer<typeof Agreement>;

/**
 * A page of a dataset's pictures. The first page (no cursor) also says how many pictures
 * match the filters in all, so "Select all N" can name N before every page is loaded.
 */
export const ImagePage = Page(Image).extend({ total: z.number().int().nonnegative().optional() });
export type ImagePage = z.infer<typeof ImagePage>;

export const ImportFailure = z.object({ name: z.string(), code: z.string(), message: z.string() });
export type ImportFailure = z.infer<typeof ImportFailure>;

export const ImportState = z.enum(['running', 'succeeded', 'failed', 'cancelled']);

/** Progress of one import, streamed as the `import.progress` event and answered by `imports.get`. */
export const ImportProgress = z.object({
  importId: Id,
  datasetId: Id,
  state: ImportState,
  total: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  imported: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  failed: z.array(ImportFailure),
  message: z.string().nullable(),
});
export type ImportProgress = z.infer<typeof ImportProgress>;

export const libraryProcedures = {
  'datasets.list': procedure(z.object({}).strict(), z.array(Dataset)),
  'datasets.create': procedure(z.object({ name: DatasetName }).strict(), Dataset, {
    method: 'POST',
    path: '/datasets',
    status: 201,
    summary: 'Create a dataset',
    tags: ['datasets'],
  }),
  'datasets.get': procedure(z.object({ id: Id }).strict(), DatasetDetail, {
    method: 'GET',
    path: '/datasets/:id',
    summary: 'A dataset with its labels and their counts',
    tags: ['datasets'],
  }),
  'datasets.rename': procedure(z.object({ id: Id, name: DatasetName }).strict(), Dataset, {
    method: 'PATCH',
    path: '/datasets/:id',
    summary: 'Rename a dataset',
    tags: ['datasets'],
  }),
  /** A dataset that does not exist is `not_found` (so a mistyped id is not a silent success). */
  'datasets.delete': procedure(z.object({ id: Id }).strict(), z.object({ deleted: z.boolean() }), {
    method: 'DELETE',
    path: '/datasets/:id',
    status: 204,
    summary: 'Delete a dataset, its labels and images',
    tags: ['datasets'],
  }),

  'labels.create': procedure(z.object({ datasetId: Id, name: LabelName }).strict(), LabelCount, {
    method: 'POST',
    path: '/datasets/:id/labels',
    params: { id: 'datasetId' },
    status: 201,
    summary: 'Add a label (it goes last: the 1–9 shortcuts never renumber)',
    tags: ['labels'],
  }),

  'images.list': procedure(
    z
      .object({
        datasetId: Id,
        label: z.string().optional(),
        unlabeled: z.boolean().optional(),
        /** Only pictures the active model predicts as this label. */
        predicted: z.string().min(1).max(100).optional(),
        minConfidence: z.number().min(0).max(1).optional(),
        maxConfidence: z.number().min(0).max(1).optional(),
        /** Only labelled pictures whose label the active model's guess matches ('agrees') or not ('disagrees'). */
        agreement: Agreement.optional(),
        /** Only pictures whose file name contains this text (any case). */
        q: z.string().max(200).optional(),
        /** 'added' (default: import order), 'name', 'confidence' (least sure first), '-confidence' (surest first). */
        sort: ImageSort.optional(),
        limit: z.number().int().min(1).max(5000).default(500),
        cursor: z.string().nullable().optional(),
      })
      .strict(),
    ImagePage,
  ),
  'images.get': procedure(z.object({ id: Id }).strict(), Image, { method: 'GET', path: '/images/:id', summary: 'One image', tags: ['images'] }),
  /** Assigns (or clears, with null) one label on many images at once: one undo step, one transaction. */
  'images.setLabel': procedure(
    z.object({ ids: z.array(Id).min(1).max(100_000), label: LabelName.nullable() }).strict(),
    z.object({ updated: z.number().int(), entry: HistoryEntryRef.nullable().optional() }),
  ),
  'images.delete': procedure(
    z.object({ ids: z.array(Id).min(1).max(100_000) }).strict(),
    z.object({ deleted: z.number().int(), entry: HistoryEntryRef.nullable().optional() }),
  ),

  /**
   * Imports files or folders that already sit on the machine that runs the app (paths from
   * the desktop shell's native drag-and-drop, or typed in the headless shell). Bytes never
   * cross IPC. With `labels: 'folders'`, each picture's parent folder name below the
   * dropped folder becomes its label.
   */
  'imports.start': procedure(
    z
      .object({
        datasetId: Id,
        paths: z.array(z.string().min(1).max(4096)).min(1).max(10_000),
        labels: z.enum(['folders', 'none']).default('folders'),
        label: LabelName.optional(),
      })
      .strict(),
    ImportProgress,
  ),
  'imports.get': procedure(z.object({ importId: Id }).strict(), ImportProgress, {
    method: 'GET',
    path: '/imports/:id',
    params: { id: 'importId' },
    summary: 'Detailed progress of an import (files done, failures by name)',
    tags: ['images'],
  }),
  'imports.cancel': procedure(z.object({ importId: Id }).strict(), ImportProgress, {
    method: 'POST',
    path: '/imports/:id/cancel',
    params: { id: 'importId' },
    summary: 'Cancel an import',
    tags: ['images'],
  }),
};

export const libraryEvents = {
  'import.progress': ImportProgress,
  /** Something in a dataset changed (images added, labels changed, dataset deleted): refetch. */
  'dataset.changed': z.object({ datasetId: Id, reason: z.string() }),
};
