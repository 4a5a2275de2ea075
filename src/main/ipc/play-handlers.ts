import type { playProcedures } from '../../shared/contract/index';
import type { VisionService } from '../services/vision/index';
import { evaluateModel } from '../services/vision/evaluate';
import type { Handler } from './dispatcher';
import { toNamed } from './vision-handlers';

/** Play's procedures (merged into the handlers in app.ts). */
export function playHandlers(vision: VisionService): { [K in keyof typeof playProcedures]: Handler<K> } {
  return {
    'models.evaluate': ({ modelId, items }) =>
      evaluateModel(
        vision.prediction,
        vision.models,
        modelId,
        items.map((x, i) => ({ ...toNamed(vision, x.input, i), label: x.label })),
      ),
  };
}
