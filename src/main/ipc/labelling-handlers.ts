import type { LabellingService } from '../services/library/index';
import type { labellingProcedures } from '../../shared/contract/index';
import type { Handler } from './dispatcher';

/** Undo history and label management, bound to the labelling service (merged in app.ts). */
export function labellingHandlers(labelling: LabellingService): { [K in keyof typeof labellingProcedures]: Handler<K> } {
  return {
    'history.list': ({ datasetId, limit }) => labelling.list(datasetId, limit),
    'history.undo': ({ datasetId }) => labelling.undo(datasetId),
    'history.redo': ({ datasetId }) => labelling.redo(datasetId),
    'labels.update': ({ datasetId, name, newName, color }) => labelling.updateLabel(datasetId, name, { newName, color }),
    'labels.delete': ({ datasetId, name }) => labelling.deleteLabel(datasetId, name),
    'images.accept': ({ items }) => labelling.accept(items),
  };
}
