import { z } from 'zod';
import type { Blueprint } from '../http/index';
import { HistoryEntry, LabelChange, LabelColor, LabelCount, LabelName, MAX_CALL_BYTES } from '../../shared/contract/index';
import { IdParams, type ApiDeps } from './deps';

const LabelParams = z.object({ id: z.string().min(1).max(64), name: z.string().min(1).max(100) });
const PatchLabel = z
  .object({ name: LabelName.optional(), color: LabelColor.nullable().optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.color !== undefined, 'Send "name" (rename; an existing name merges) or "color" (#rrggbb, or null for the default).');
const Accept = z
  .object({
    items: z
      .array(z.object({ id: z.string().min(1).max(64), label: LabelName }))
      .min(1)
      .max(100_000),
  })
  .strict();
/** The answer of a rename or recolour: the label as it is now, and its undo step (null: nothing changed). */
const LabelUpdate = z.object({ label: LabelCount, entry: HistoryEntry.nullable() });

/**
 * The labelling routes whose REST shape is not the procedure's: rename or recolour (the body's
 * `name` is the new name, the path's the old one) and accept (scoped to the path's dataset).
 * Creating and deleting labels and the undo history are the contract's (`labels.create`,
 * `labels.delete`, `history.*`, mounted by contract-routes.ts). Every change is one undo step.
 */
export function labellingRoutes(v1: Blueprint, { library }: ApiDeps): void {
  const labelling = library.labelling;

  v1.patch(
    '/datasets/:id/labels/:name',
    {
      summary: 'Rename a label (onto an existing name: merge) or recolour it',
      tags: ['labels'],
      schema: { params: LabelParams, body: PatchLabel, response: { 200: LabelUpdate } },
    },
    (ctx) => labelling.updateLabel(ctx.params.id, ctx.params.name, { newName: ctx.valid.body.name, color: ctx.valid.body.color }),
  );

  v1.post(
    '/datasets/:id/accept',
    {
      summary: 'Accept predictions: each picture takes the label given with it (the guess shown); one undo step',
      tags: ['labels'],
      bodyLimit: MAX_CALL_BYTES,
      schema: { params: IdParams, body: Accept, response: { 200: LabelChange } },
    },
    (ctx) => {
      library.getDataset(ctx.params.id);
      const mine = new Set(
        library.labelling.idsIn(
          ctx.params.id,
          ctx.valid.body.items.map((i) => i.id),
        ),
      );
      return labelling.accept(ctx.valid.body.items.filter((i) => mine.has(i.id)));
    },
  );
}
