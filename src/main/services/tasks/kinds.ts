import { z } from 'zod';
import { UnrecoverableError, type TaskQueue } from '../../queue/index';
import { LabelName } from '../../../shared/contract/index';
import type { LibraryService } from '../library/index';

export const ImportTaskInput = z
  .object({
    datasetId: z.string().min(1).max(64),
    paths: z.array(z.string().min(1).max(4096)).min(1).max(10_000),
    labels: z.enum(['folders', 'none']).default('folders'),
    label: LabelName.optional(),
  })
  .strict();
export type ImportTaskInput = z.infer<typeof ImportTaskInput>;

/** Task kinds that `POST /v1/tasks` and the contract accept (more come with their features). */
export const PUBLIC_KINDS = ['import', 'script', 'train', 'predict-folder', 'embed'] as const;

export function defineKinds(queue: TaskQueue, library: LibraryService): void {
  queue.define('import', {
    input: ImportTaskInput,
    maxAttempts: 3,
    concurrency: 2,
    handler: async (input, ctx) => {
      if (!library.hasDataset(input.datasetId)) {
        throw new UnrecoverableError(`Dataset ${input.datasetId} no longer exists.`, 'not_found');
      }
      const p = await library.importer.execute(input, ctx.id, {
        signal: ctx.signal,
        onProgress: (q) => ctx.progress(q.total === 0 ? 0 : q.done / q.total, `${q.done} of ${q.total} files`),
      });
      if (library.closing && p.state === 'cancelled') {
        // Not the person's cancel: Loupe is stopping. A plain error keeps the task alive to run again.
        throw new Error('Loupe stopped during the import; it runs again at the next start.');
      }
      if (p.state === 'cancelled' && !ctx.signal.aborted) {
        throw new UnrecoverableError('The import stopped because its dataset was deleted.', 'cancelled');
      }
      if (p.state === 'failed') throw new Error(p.message ?? 'The import failed.');
      return p;
    },
  });
  // `script` is defined by the scripts service (services/scripts): it runs in a worker thread.
}
