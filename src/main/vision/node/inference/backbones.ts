import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { VisionError, type VisionErrorCode } from '../../pure/errors';
import { modelFileOf, readModelCard, type ModelCard } from './model-card';

// The backbones available in a folder (models/ or one chosen in Settings): every JSON card,
// valid or not, so a broken one is shown with its reason instead of silently missing.

export type BackboneEntry =
  | { ok: true; cardPath: string; modelPath: string; card: ModelCard }
  | { ok: false; cardPath: string; error: { code: VisionErrorCode; message: string } };

export function listBackbones(dir: string): BackboneEntry[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f): BackboneEntry => {
      const cardPath = join(dir, f);
      try {
        const card = readModelCard(cardPath);
        const modelPath = modelFileOf(cardPath, card);
        if (!existsSync(modelPath)) {
          const hint = f === 'mobilenet_v2.json' ? ' Run `npm run models` to build it.' : '';
          throw new VisionError('model_not_found', `The card ${cardPath} names ${modelPath}, which does not exist.${hint}`);
        }
        return { ok: true, cardPath, modelPath, card };
      } catch (err) {
        const e = err instanceof VisionError ? err : new VisionError('card_invalid', `${cardPath}: ${String(err)}`);
        return { ok: false, cardPath, error: e.toJSON() };
      }
    });
}
