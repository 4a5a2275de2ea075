import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { VisionService, NamedImage } from '../services/vision/index';
import type { HandlerInput } from '../../shared/contract/index';
import { LoupeError } from '../../shared/errors';
import type { Handler } from './dispatcher';

type VisionProcedure =
  | 'training.start'
  | 'training.cancel'
  | 'training.prefs'
  | 'training.setPrefs'
  | 'runs.list'
  | 'runs.get'
  | 'models.list'
  | 'models.get'
  | 'models.export'
  | 'models.predict'
  | 'models.predictFolder'
  | 'vision.status'
  | 'vision.predictions'
  | 'vision.labelNext'
  | 'vision.nearDuplicates';

export function toNamed(vision: VisionService, input: HandlerInput<'models.predict'>['inputs'][number], i: number): NamedImage {
  if ('imageId' in input) return vision.prediction.imageInput(input.imageId);
  if ('path' in input) {
    if (!existsSync(input.path)) throw new LoupeError('not_found', `No file at ${input.path}.`);
    return { name: basename(input.path), input: input.path };
  }
  return { name: input.name ?? `picture ${i + 1}`, input: Buffer.from(input.base64, 'base64') };
}

/** The vision procedures of the contract, bound to the vision service (merged into createHandlers). */
export function visionHandlers(vision: VisionService): { [K in VisionProcedure]: Handler<K> } {
  return {
    'training.start': ({ datasetId, params, force }) => vision.startTraining(datasetId, params ?? {}, force ?? false),
    'training.cancel': ({ runId }) => vision.training.cancel(runId),
    'training.prefs': ({ datasetId }) => vision.trainPrefs(datasetId),
    'training.setPrefs': ({ datasetId, ...prefs }) => vision.setTrainPrefs(datasetId, prefs),
    'runs.list': ({ datasetId, limit, cursor }) => vision.records.listRuns(datasetId, limit, cursor),
    'runs.get': ({ id }) => vision.training.get(id),
    'models.list': ({ datasetId, limit, cursor }) => vision.models.list(datasetId, limit, cursor),
    'models.get': ({ id }) => vision.models.get(id),
    'models.export': ({ id, path }) => vision.models.export(id, path),
    'models.predict': async ({ modelId, inputs, top }) => ({
      predictions: await vision.prediction.predict(
        modelId,
        inputs.map((x, i) => toNamed(vision, x, i)),
        top,
      ),
    }),
    'models.predictFolder': (input) => vision.predictFolder(input),
    'vision.status': ({ datasetId }) => vision.status(datasetId),
    'vision.predictions': (input) => vision.selection.predictions(input),
    'vision.labelNext': ({ datasetId, count }) => vision.selection.labelNext(datasetId, count),
    'vision.nearDuplicates': ({ datasetId, threshold }) => vision.selection.nearDuplicates(datasetId, threshold),
  };
}
