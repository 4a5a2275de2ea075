import { z } from 'zod';
import { UnrecoverableError, type TaskQueue } from '../../queue/index';
import { LabelName } from '../../../shared/contract/index';
import type { LibraryService } from '../library/index';
import type { GrantedFolders } from '../scripts/granted-folders';
import { checkScriptTaskPaths, SCRIPT_ORIGIN, TaskOrigin } from '../scripts/script-tasks';
import { LoupeError } from '../../../shared/errors';

export const ImportTaskInput = z
  .object({
    datasetId: z.string().min(1).max(64),
    paths: z.array(z.string().min(1).max(4096)).min(1).max(10_000),
    labels: z.enum(['folders', 'none']).default('folders'),
    label: LabelName.optional(),
    /** "script" when a script queued it: its paths, and every file found under them, must lie in granted folders. */
    origin: TaskOrigin,
  })
  .strict();
export type ImportTaskInput = z.infer<typeof ImportTaskInput>;

export const IMPORT_ATTEMPTS = 10;

/** Task kinds that `POST /v1/tasks` and the contract accept (more come with their features). */
export const PUBLIC_KINDS = ['import', 'script', 'train', 'predict-folder', 'embed'] as const;

/** A refused path ends the task at once: retrying cannot make it granted. */
function refuse(err: unknown): never {
  if (err instanceof LoupeError) throw new UnrecoverableError(err.message, err.code);
  throw err;
}

/** `grants` absent (a queue without scripts): a task that a script queued is refused outright. */
export function defineKinds(queue: TaskQueue, library: LibraryService, grants?: GrantedFolders): void {
  queue.define('import', {
    input: ImportTaskInput,
    // Re-running an import is cheap (pictures already stored are skipped by content hash) and
    // every kill -9 of the app spends an attempt: a person who quits hard a few times while a
    // big folder imports must not lose the import. A file that crashes the process still ends it.
    maxAttempts: IMPORT_ATTEMPTS,
    concurrency: 2,
    handler: async (input, ctx) => {
      if (!library.hasDataset(input.datasetId)) {
        throw new UnrecoverableError(`Dataset ${input.datasetId} no longer exists.`, 'not_found');
      }
      const byScript = input.origin === SCRIPT_ORIGIN;
      let req = input;
      if (byScript) {
        if (!grants) throw new UnrecoverableError('This Loupe has no granted folders for scripts; a script cannot import here.', 'forbidden');
        try {
          // The checked real paths are the ones imported (`~/x` means nothing to the walk).
          req = { ...input, paths: checkScriptTaskPaths('import', input, grants) };
        } catch (err) {
          refuse(err);
        }
      }
      const p = await library.importer.execute(req, ctx.id, {
        signal: ctx.signal,
        ...(byScript && grants ? { checkFile: (real: string) => void grants.checkReal(real) } : {}),
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
