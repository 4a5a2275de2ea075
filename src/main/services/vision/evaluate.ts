import { evaluateLabels } from '../../vision/index';
import type { Evaluation } from '../../../shared/contract/index';
import { fail } from '../errors';
import type { ModelRegistry } from './model-registry';
import type { NamedImage, Prediction } from './prediction';

export interface LabelledImage extends NamedImage {
  /** The label the test set gives the picture. */
  label: string;
}

/**
 * Scores a model on labelled pictures that are not in any dataset (Play's "score a test
 * folder", `POST /v1/models/:id/evaluate`). Pictures that cannot be read are listed and
 * left out rather than failing the whole score; a label the model does not know still
 * counts (always wrong), so the accuracy is honest about it.
 */
export async function evaluateModel(
  prediction: Prediction,
  models: ModelRegistry,
  modelId: string,
  images: readonly LabelledImage[],
  signal?: AbortSignal,
): Promise<Evaluation> {
  const model = models.get(modelId);
  if (images.length === 0) throw fail.validation('Send at least one labelled picture to score.');
  const results = await prediction.predictEach(model.id, images, 1, signal);
  const scored: Array<{ name: string; label: string; predicted: string; confidence: number }> = [];
  const failed: Evaluation['failed'] = [];
  results.forEach((r, i) => {
    if (r.ok) scored.push({ name: images[i].name, label: images[i].label, predicted: r.top[0].label, confidence: r.top[0].confidence });
    else failed.push({ name: images[i].name, code: r.code, message: r.message });
  });
  if (scored.length === 0) throw fail.validation(`None of the ${images.length} pictures could be read: ${failed[0].message}`);
  const report = evaluateLabels(
    scored.map((s) => s.label),
    scored.map((s) => s.predicted),
    model.labels,
  );
  const known = new Set(model.labels);
  return {
    modelId: model.id,
    count: scored.length,
    accuracy: report.accuracy,
    perClass: Object.fromEntries(
      Object.entries(report.perClass).map(([l, m]) => [l, { precision: m.precision, recall: m.recall, f1: m.f1, support: m.support }]),
    ),
    confusion: { labels: [...report.confusion.labels], matrix: report.confusion.matrix.map((row) => [...row]) },
    items: scored.map((s) => ({ ...s, correct: s.label === s.predicted })),
    unknownLabels: [...new Set(scored.map((s) => s.label).filter((l) => !known.has(l)))].sort(),
    failed,
  };
}
