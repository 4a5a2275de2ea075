import type { Blueprint } from '../http/index';
import { Dataset, Page } from '../../shared/contract/index';
import { PageQuery, type ApiDeps } from './deps';

/**
 * Datasets: paging through them is REST's own (the app lists them all at once); create,
 * read, rename and delete are the contract's (`datasets.*`, mounted by contract-routes.ts).
 */
export function datasetRoutes(v1: Blueprint, { library }: ApiDeps): void {
  v1.get('/datasets', { summary: 'Page through datasets', tags: ['datasets'], schema: { query: PageQuery, response: { 200: Page(Dataset) } } }, (ctx) =>
    library.pageDatasets(ctx.valid.query.limit, ctx.valid.query.cursor),
  );
}
