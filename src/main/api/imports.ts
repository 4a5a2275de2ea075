import { z } from 'zod';
import type { Blueprint } from '../http/index';
import { LabelName } from '../../shared/contract/index';
import { IdParams, type ApiDeps } from './deps';
import { TaskStarted } from './schemas';

const StartImport = z
  .object({
    path: z.string().min(1, 'Give the folder (or file) to import.').max(4096),
    labels: z.enum(['folders', 'none']).default('folders'),
    label: LabelName.optional(),
  })
  .strict();

/**
 * `POST /v1/datasets/:id/import` queues an import task (202 {taskId}); its progress is
 * the task's (`/v1/tasks/:id`) and, in more detail, the import's (`/v1/imports/:id`, with
 * its cancel: the contract's `imports.get` and `imports.cancel`, mounted by contract-routes.ts).
 * One folder path here, where the procedure `imports.start` takes many and answers the progress.
 */
export function importRoutes(v1: Blueprint, { tasks }: ApiDeps): void {
  v1.post(
    '/datasets/:id/import',
    {
      summary: 'Import a folder on this machine (sub-folder names as labels)',
      tags: ['images'],
      schema: { params: IdParams, body: StartImport, response: { 202: TaskStarted } },
    },
    (ctx) => {
      const body = ctx.valid.body;
      const started = tasks.startImport({ datasetId: ctx.params.id, paths: [body.path], labels: body.labels, label: body.label });
      ctx.status(202);
      return { taskId: started.importId };
    },
  );
}
