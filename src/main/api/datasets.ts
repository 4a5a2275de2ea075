import { z } from 'zod';
import type { Blueprint } from '../http/index';
import { Dataset, DatasetDetail, Page } from '../../shared/contract/index';
import { IdParams, PageQuery, type ApiDeps } from './deps';

const CreateDataset = z.object({ name: z.string().trim().min(1, 'A dataset needs a name.').max(200) }).strict();
const RenameDataset = CreateDataset;

/** Datasets: create, page, read with label counts, rename, delete (cascading). */
export function datasetRoutes(v1: Blueprint, { library }: ApiDeps): void {
  v1.post('/datasets', { summary: 'Create a dataset', tags: ['datasets'], schema: { body: CreateDataset, response: { 201: Dataset } } }, (ctx) => {
    ctx.status(201);
    return library.createDataset(ctx.valid.body.name);
  });

  v1.get('/datasets', { summary: 'Page through datasets', tags: ['datasets'], schema: { query: PageQuery, response: { 200: Page(Dataset) } } }, (ctx) =>
    library.pageDatasets(ctx.valid.query.limit, ctx.valid.query.cursor),
  );

  v1.get(
    '/datasets/:id',
    { summary: 'A dataset with its labels and their counts', tags: ['datasets'], schema: { params: IdParams, response: { 200: DatasetDetail } } },
    (ctx) => library.getDataset(ctx.params.id),
  );

  v1.patch(
    '/datasets/:id',
    { summary: 'Rename a dataset', tags: ['datasets'], schema: { params: IdParams, body: RenameDataset, response: { 200: Dataset } } },
    (ctx) => library.renameDataset(ctx.params.id, ctx.valid.body.name),
  );

  v1.delete('/datasets/:id', { summary: 'Delete a dataset, its labels and images', tags: ['datasets'], schema: { params: IdParams, response: { 204: null } } }, async (ctx) => {
    // Resolves the 404 first so a missing dataset is not a silent 204.
    library.getDataset(ctx.params.id);
    await library.deleteDataset(ctx.params.id);
    ctx.empty(204);
  });
}
