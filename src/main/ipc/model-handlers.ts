import type { VisionService } from '../services/vision/index';
import type { modelProcedures } from '../../shared/contract/index';
import type { Handler } from './dispatcher';

/** Model versions: the active one, pin, rename, delete, compare (merged in app.ts). */
export function modelHandlers(vision: VisionService): { [K in keyof typeof modelProcedures]: Handler<K> } {
  return {
    'models.versions': ({ datasetId }) => vision.versions.list(datasetId),
    'models.pin': ({ datasetId, modelId }) => vision.versions.pin(datasetId, modelId),
    'models.rename': ({ id, name }) => vision.versions.rename(id, name),
    'models.delete': ({ id }) => vision.versions.delete(id),
    'models.compare': ({ a, b }) => vision.versions.compare(a, b),
  };
}
