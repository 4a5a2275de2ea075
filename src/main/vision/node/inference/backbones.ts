import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { VisionError, type VisionErrorCode } from '../../pure/errors';
import { modelFileOf, readModelCard, type ModelCard } from './model-card';

// The backbones available in a folder (models/ or one chosen in Settings): every JSON card,
// valid or not, so a broken one is shown with its reason instead of silently missing.

export type BackboneEntry =
  { ok: true; cardPath: string; modelPath: string; card: ModelCard } | { ok: false; cardPath: string; error: { code: VisionErrorCode; message: string } };

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

/** The two builds of the default backbone in models/ (written by scripts/build-models.ts). */
export const DEFAULT_FLOAT_CARD = 'mobilenet_v2.json';
export const DEFAULT_INT8_CARD = 'mobilenet_v2_int8.json';

export type BackboneVariant = 'float' | 'int8';

/** Which build of the default backbone to embed with: `auto` takes int8 where its accuracy check held. */
export type BackbonePreference = 'auto' | BackboneVariant;

export interface DefaultBackbone {
  cardPath: string;
  modelPath: string;
  card: ModelCard;
  variant: BackboneVariant;
  /** Why float was chosen over int8, or why int8 was asked for and not given; null when the expected build runs. */
  note: string | null;
}

/** The int8 card's accuracy record (written by the build from convert/int8-check.json), when it has one. */
export function int8CheckOf(card: ModelCard): { offered: boolean; floatValAccuracy?: number; int8ValAccuracy?: number } | null {
  const check = card.selection?.int8Check;
  if (!check || typeof check !== 'object') return null;
  const c = check as Record<string, unknown>;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return { offered: c.offered === true, floatValAccuracy: num(c.floatValAccuracy), int8ValAccuracy: num(c.int8ValAccuracy) };
}

/**
 * The default backbone of a models folder: the int8 build when it is there and its accuracy
 * check held (int8 validation accuracy within one point of float on Fashion-MNIST), else the
 * float build, saying why. Throws (the float card's own error) when the float build is unusable:
 * int8 alone is never the default, so a half-built folder reads as one to rebuild.
 */
export function pickDefaultBackbone(dir: string, prefer: BackbonePreference = 'auto'): DefaultBackbone {
  const cardPath = join(dir, DEFAULT_FLOAT_CARD);
  const card = readModelCard(cardPath);
  const modelPath = modelFileOf(cardPath, card);
  if (!existsSync(modelPath))
    throw new VisionError('model_not_found', `The card ${cardPath} names ${modelPath}, which does not exist. Run \`npm run models\` to build it.`);
  const float = (note: string | null): DefaultBackbone => ({ cardPath, modelPath, card, variant: 'float', note });
  if (prefer === 'float') return float(null);

  const int8Card = join(dir, DEFAULT_INT8_CARD);
  if (!existsSync(int8Card))
    return float('The int8 backbone is not built (`npm run models` builds it where the Fashion-MNIST dataset is installed); embedding with float.');
  let q: ModelCard;
  try {
    q = readModelCard(int8Card);
  } catch (err) {
    return float(`The int8 backbone's card is unreadable (${err instanceof Error ? err.message : String(err)}); embedding with float.`);
  }
  const qPath = modelFileOf(int8Card, q);
  if (!existsSync(qPath)) return float(`The int8 backbone's file ${qPath} is missing (run \`npm run models\`); embedding with float.`);
  const check = int8CheckOf(q);
  if (!check?.offered) {
    const acc =
      check?.int8ValAccuracy !== undefined ? ` (validation accuracy ${check.int8ValAccuracy} against ${check.floatValAccuracy ?? '?'} for float)` : '';
    return float(`The int8 backbone failed its accuracy check${acc}; embedding with float.`);
  }
  return { cardPath: int8Card, modelPath: qPath, card: q, variant: 'int8', note: null };
}
