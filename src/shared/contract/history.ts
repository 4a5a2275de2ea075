import { z } from 'zod';

// Kept apart from labelling.ts so library.ts can name it without an import cycle.

export const HistoryAction = z.enum(['label', 'clear', 'accept', 'delete-images', 'rename-label', 'merge-labels', 'delete-label', 'recolor-label']);
export type HistoryAction = z.infer<typeof HistoryAction>;

/** One labelling action of a dataset's undo history, in a person's words ("7 pictures unlabelled"). */
export const HistoryEntry = z.object({
  id: z.string(),
  datasetId: z.string(),
  action: HistoryAction,
  summary: z.string(),
  count: z.number().int().nonnegative(),
  undone: z.boolean(),
  createdAt: z.string(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;
