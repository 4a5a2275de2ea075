import type { Image } from '../../../shared/contract';

/** The active model's guess for a picture, as the images list hands it out (pipeline issue #13). */
export interface Guess {
  label: string;
  confidence: number;
  modelId: string;
}

/**
 * The guess on an image item, or null. Read structurally so this code works both before
 * the list carries predictions (there are none) and after (`prediction` on every item).
 */
export function guessOf(image: Image): Guess | null {
  const p = (image as Image & { prediction?: unknown }).prediction;
  if (!p || typeof p !== 'object') return null;
  const g = p as Partial<Guess>;
  return typeof g.label === 'string' && typeof g.confidence === 'number'
    ? { label: g.label, confidence: g.confidence, modelId: String(g.modelId ?? '') }
    : null;
}

/** Accept = each picture takes its own guess; pictures without one are left as they are. */
export function acceptItems(images: readonly Image[], ids: ReadonlySet<string>): Array<{ id: string; label: string }> {
  const out: Array<{ id: string; label: string }> = [];
  for (const img of images) {
    if (!ids.has(img.id)) continue;
    const g = guessOf(img);
    if (g && g.label !== img.label) out.push({ id: img.id, label: g.label });
  }
  return out;
}
