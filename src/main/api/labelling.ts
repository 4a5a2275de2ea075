import { z } from 'zod';
import type { Blueprint } from '../http/index';
import { HistoryChange, HistoryEntry, HistoryState, LabelChange, LabelColor, LabelCount, LabelName } from '../../shared/contract/index';
import { IdParams, type ApiDeps } from './deps';
import { NoBody } from './schemas';

const LabelParams = z.object({ id: z.string().min(1).max(64), name: z.string().min(1).max(100) });
const PatchLabel = z
  .object({ name: LabelName.optional(), color: LabelColor.nullable().optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.color !== undefined, 'Send "name" (rename; an existing name merges) or "color" (#rrggbb, or null for the default).');
const CreateLabel = z.object({ name: LabelName }).strict();
const Accept = z
  .object({ items: z.array(z.object({ id: z.string().min(1).max(64), label: LabelName })).min(1).max(100_000) })
  .strict();
/** The answer of a rename or recolour: the label as it is now, and its undo step (null: nothing changed). */
const LabelUpdate = z.object({ label: LabelCount, entry: HistoryEntry.nullable() });
const HistoryQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/**
 * Labels (create, rename or merge, recolour, delete) and the dataset's undo history. Every
 * change here is one undo step, the same as in the app.
 */
export function labellingRoutes(v1: Blueprint, { library }: ApiDeps): void {
  const labelling = library.labelling;

  v1.post(
    '/datasets/:id/labels',
    { summary: 'Add a label (it goes last: the 1–9 shortcuts never renumber)', tags: ['labels'], schema: { params: IdParams, body: CreateLabel, response: { 201: LabelCount } } },
    (ctx) => {
      ctx.status(201);
      return library.createLabel(ctx.params.id, ctx.valid.body.name);
    },
  );

  v1.patch(
    '/datasets/:id/labels/:name',
    { summary: 'Rename a label (onto an existing name: merge) or recolour it', tags: ['labels'], schema: { params: LabelParams, body: PatchLabel, response: { 200: LabelUpdate } } },
    (ctx) => labelling.updateLabel(ctx.params.id, ctx.params.name, { newName: ctx.valid.body.name, color: ctx.valid.body.color }),
  );

  v1.delete(
    '/datasets/:id/labels/:name',
    { summary: 'Delete a label; its pictures become unlabelled', tags: ['labels'], schema: { params: LabelParams, response: { 200: LabelChange } } },
    (ctx) => labelling.deleteLabel(ctx.params.id, ctx.params.name),
  );

  v1.post(
    '/datasets/:id/accept',
    { summary: 'Accept predictions: each picture takes the label given with it (the guess shown); one undo step', tags: ['labels'], schema: { params: IdParams, body: Accept, response: { 200: LabelChange } } },
    (ctx) => {
      library.getDataset(ctx.params.id);
      const mine = new Set(library.labelling.idsIn(ctx.params.id, ctx.valid.body.items.map((i) => i.id)));
      return labelling.accept(ctx.valid.body.items.filter((i) => mine.has(i.id)));
    },
  );

  v1.get(
    '/datasets/:id/history',
    { summary: 'The dataset’s labelling history, newest first, with what undo and redo would do', tags: ['labels'], schema: { params: IdParams, query: HistoryQuery, response: { 200: HistoryState } } },
    (ctx) => labelling.list(ctx.params.id, ctx.valid.query.limit),
  );

  v1.post('/datasets/:id/undo', { summary: 'Undo the newest labelling action', tags: ['labels'], schema: { params: IdParams, body: NoBody, response: { 200: HistoryChange } } }, (ctx) =>
    labelling.undo(ctx.params.id),
  );

  v1.post('/datasets/:id/redo', { summary: 'Redo the labelling action undone last', tags: ['labels'], schema: { params: IdParams, body: NoBody, response: { 200: HistoryChange } } }, (ctx) =>
    labelling.redo(ctx.params.id),
  );
}
