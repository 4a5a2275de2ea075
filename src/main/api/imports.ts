import { z } from 'zod';
import type { Blueprint } from '../http/index';
import type { ImportProgress } from '../../shared/contract/index';
import { LabelName } from '../../shared/contract/index';
import type { ApiDeps } from './deps';

const StartImport = z
  .object({
    path: z.string().min(1, 'Give the folder (or file) to import.').max(4096),
    labels: z.enum(['folders', 'none']).default('folders'),
    label: LabelName.optional(),
  })
  .strict();

/** An import seen as a task (API.md's task shape), for `/v1/tasks` and the events feed. */
export function importAsTask(p: ImportProgress) {
  const state = p.state;
  return {
    id: p.importId,
    kind: 'import',
    state,
    attempts: 1,
    progress: p.total === 0 ? (state === 'running' ? 0 : 1) : p.done / p.total,
    result:
      state === 'running'
        ? null
        : { datasetId: p.datasetId, imported: p.imported, duplicates: p.duplicates, failed: p.failed, total: p.total },
    error: state === 'failed' ? { code: 'internal', message: p.message ?? 'The import failed.' } : null,
    createdAt: null,
    startedAt: null,
    finishedAt: null,
  };
}

/** `POST /v1/datasets/:id/import` (202 {taskId}) and the import's own status routes. */
export function importRoutes(v1: Blueprint, { library }: ApiDeps): void {
  v1.post(
    '/datasets/:id/import',
    { summary: 'Import a folder on this machine (sub-folder names as labels)', tags: ['images'], schema: { body: StartImport } },
    (ctx) => {
      const body = ctx.valid.body;
      const started = library.startImport({ datasetId: ctx.params.id, paths: [body.path], labels: body.labels, label: body.label });
      ctx.status(202);
      return { taskId: started.importId };
    },
  );

  v1.get('/imports/:id', { summary: 'Progress of an import', tags: ['images'] }, (ctx) => library.getImport(ctx.params.id));

  v1.post('/imports/:id/cancel', { summary: 'Cancel an import', tags: ['images'] }, (ctx) => library.cancelImport(ctx.params.id));
}
