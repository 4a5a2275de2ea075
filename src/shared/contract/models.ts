import { z } from 'zod';
import { procedure } from './define';
import { Id } from './library';
import { Model } from './vision';

/** How one model scored on the dataset's held-out pictures (chosen by content hash: the same in every run). */
export const HeldOutScore = z.object({
  accuracy: z.number(),
  correct: z.number().int(),
  pictures: z.number().int(),
  perLabel: z.record(z.string(), z.object({ correct: z.number().int(), total: z.number().int() })),
});
export type HeldOutScore = z.infer<typeof HeldOutScore>;

/** A model version of a dataset, with whether it is the one in use. */
export const ModelVersion = Model.extend({ active: z.boolean(), pinned: z.boolean() });
export type ModelVersion = z.infer<typeof ModelVersion>;

export const ModelVersions = z.object({
  items: z.array(ModelVersion),
  activeModelId: Id.nullable(),
  /** The person chose the active model: new runs do not replace it. */
  pinned: z.boolean(),
});
export type ModelVersions = z.infer<typeof ModelVersions>;

export const ModelComparison = z.object({
  datasetId: Id,
  /**
   * The held-out pictures both were scored on (labelled, embedded, held out by content hash),
   * less those whose label was accepted from either model's guess (see `leftOut`).
   */
  pictures: z.number().int(),
  /** Held-out pictures whose label is an accepted guess of model a or b (that model is right on them by construction): left out, unless `fallback`. */
  leftOut: z.number().int(),
  /** Too few independently labelled held-out pictures remained: both were scored on all of them, accepted guesses included. */
  fallback: z.boolean(),
  a: z.object({ modelId: Id, name: z.string(), score: HeldOutScore }),
  b: z.object({ modelId: Id, name: z.string(), score: HeldOutScore }),
});
export type ModelComparison = z.infer<typeof ModelComparison>;

export const modelProcedures = {
  'models.versions': procedure(z.object({ datasetId: Id }).strict(), ModelVersions, {
    method: 'GET',
    path: '/datasets/:id/models',
    params: { id: 'datasetId' },
    summary: 'The dataset’s model versions, newest first, with the active one',
    tags: ['models'],
  }),
  /** Pins a model as the dataset's active one; null unpins (the best new run becomes active again). */
  'models.pin': procedure(z.object({ datasetId: Id, modelId: Id.nullable() }).strict(), ModelVersions, {
    method: 'PUT',
    path: '/datasets/:id/active-model',
    params: { id: 'datasetId' },
    summary: 'Pin the dataset’s active model ({"modelId": null} unpins)',
    tags: ['models'],
  }),
  'models.rename': procedure(z.object({ id: Id, name: z.string().trim().min(1, 'A model needs a name.').max(200) }).strict(), Model, {
    method: 'PATCH',
    path: '/models/:id',
    summary: 'Rename a model version',
    tags: ['models'],
  }),
  'models.delete': procedure(z.object({ id: Id }).strict(), z.object({ deleted: z.boolean(), activeModelId: Id.nullable() }), {
    method: 'DELETE',
    path: '/models/:id',
    summary: 'Delete a model version',
    tags: ['models'],
  }),
  /** Scores two models of one dataset on the same held-out pictures. */
  'models.compare': procedure(z.object({ a: Id, b: Id }).strict(), ModelComparison, {
    method: 'GET',
    path: '/model-comparison',
    summary: 'Two models of one dataset scored on the same held-out pictures',
    tags: ['models'],
  }),
};
