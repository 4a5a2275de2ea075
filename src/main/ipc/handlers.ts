import type { AppInfo } from '../../shared/contract/index';
import type { LibraryService } from '../services/library/index';
import type { ApiSettingsService } from '../services/settings/index';
import type { TaskService } from '../services/tasks/index';
import type { appProcedures, libraryProcedures, taskProcedures } from '../../shared/contract/index';
import type { Handlers } from './dispatcher';

/** The procedures this file answers; each later feature brings its own handlers (see app.ts). */
export type CoreProcedureName = keyof typeof appProcedures | keyof typeof libraryProcedures | keyof typeof taskProcedures;
export type CoreHandlers = Pick<Handlers, CoreProcedureName>;

export interface HandlerServices {
  library: LibraryService;
  apiSettings: ApiSettingsService;
  tasks: TaskService;
  appInfo: () => AppInfo;
}

/**
 * Every procedure of the contract, bound to the services. Thin on purpose: validation is
 * the dispatcher's, behaviour is the services', so the HTTP API can reuse the latter.
 */
export function createHandlers(s: HandlerServices): CoreHandlers {
  const { library, apiSettings, tasks } = s;
  return {
    'app.info': () => s.appInfo(),
    'settings.api.get': () => apiSettings.get(),
    // Answers once a change's effect is in place (Lobe Connect listening or stopped), so the page shows the result.
    'settings.api.set': async (input) => {
      apiSettings.set(input);
      return apiSettings.settled();
    },
    'settings.api.regenerateToken': () => apiSettings.regenerateToken(),

    'datasets.list': () => library.listDatasets(),
    'datasets.create': ({ name }) => library.createDataset(name),
    'datasets.get': ({ id }) => library.getDataset(id),
    'datasets.rename': ({ id, name }) => library.renameDataset(id, name),
    'datasets.delete': async ({ id }) => {
      library.getDataset(id); // not_found for an id that names nothing
      return { deleted: await library.deleteDataset(id) };
    },

    'labels.create': ({ datasetId, name }) => library.createLabel(datasetId, name),

    'images.list': (input) => library.listImages(input),
    'images.get': ({ id }) => library.getImage(id),
    'images.setLabel': ({ ids, label }) => library.labelling.assign(ids, label),
    'images.delete': ({ ids }) => library.labelling.deleteImages(ids),

    'imports.start': (input) => tasks.startImport(input),
    'imports.get': ({ importId }) => tasks.getImport(importId),
    'imports.cancel': ({ importId }) => tasks.cancelImport(importId),

    'tasks.list': (input) => tasks.list(input),
    'tasks.get': ({ id }) => tasks.get(id),
    'tasks.cancel': ({ id }) => tasks.cancel(id),
    'tasks.retry': ({ id }) => tasks.retry(id),
  };
}
