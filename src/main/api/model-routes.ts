import { z } from 'zod';
import type { Blueprint } from '../http/index';
import { Id, Model, ModelComparison, ModelVersions } from '../../shared/contract/index';
import type { VisionService } from '../services/vision/index';
import { IdParams } from './deps';

const Pin = z.object({ modelId: z.string().min(1).max(64).nullable() }).strict();
const RenameModel = z.object({ name: z.string().trim().min(1, 'A model needs a name.').max(200) }).strict();
const Deleted = z.object({ deleted: z.boolean(), activeModelId: Id.nullable() });
const CompareQuery = z.object({ a: z.string().min(1).max(64), b: z.string().min(1).max(64) });

/** A dataset's model versions: the active one (pin with PUT), rename, delete, compare on the same held-out pictures. */
export function modelRoutes(vision: VisionService): (v1: Blueprint) => void {
  return (v1) => {
    v1.get('/datasets/:id/models', { summary: 'The dataset’s model versions, newest first, with the active one', tags: ['models'], schema: { params: IdParams, response: { 200: ModelVersions } } }, (ctx) =>
      vision.versions.list(ctx.params.id),
    );
    v1.put(
      '/datasets/:id/active-model',
      { summary: 'Pin the dataset’s active model ({"modelId": null} unpins)', tags: ['models'], schema: { params: IdParams, body: Pin, response: { 200: ModelVersions } } },
      (ctx) => vision.versions.pin(ctx.params.id, ctx.valid.body.modelId),
    );
    v1.patch('/models/:id', { summary: 'Rename a model version', tags: ['models'], schema: { params: IdParams, body: RenameModel, response: { 200: Model } } }, (ctx) =>
      vision.versions.rename(ctx.params.id, ctx.valid.body.name),
    );
    v1.delete('/models/:id', { summary: 'Delete a model version', tags: ['models'], schema: { params: IdParams, response: { 200: Deleted } } }, (ctx) => vision.versions.delete(ctx.params.id));
    v1.get('/model-comparison', { summary: 'Two models of one dataset scored on the same held-out pictures', tags: ['models'], schema: { query: CompareQuery, response: { 200: ModelComparison } } }, (ctx) =>
      vision.versions.compare(ctx.valid.query.a, ctx.valid.query.b),
    );
  };
}
