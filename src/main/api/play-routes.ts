import { z } from 'zod';
import { HttpError, type Blueprint } from '../http/index';
import { Evaluation, LabelName, MAX_EVALUATE_PICTURES } from '../../shared/contract/index';
import type { VisionService } from '../services/vision/index';
import { evaluateModel, type LabelledImage } from '../services/vision/evaluate';
import { MAX_FILE_BYTES } from '../services/library/index';
import { IdParams } from './deps';
import { imageForm } from './schemas';

const Labels = z.array(LabelName);

/** The form: picture files in `image`, and `labels` (required: a score needs the truth). */
const evaluateForm = (() => {
  const form = imageForm({ labels: { type: 'string', description: 'A JSON array with the label of each file, in file order.' } });
  return { ...form, schema: { ...(form.schema as Record<string, unknown>), required: ['image', 'labels'] } };
})();

/** The label of each file: the `labels` field, a JSON array in file order. */
function labelsOf(fields: Record<string, string | string[]>, count: number): string[] {
  const raw = fields.labels;
  if (raw === undefined) throw new HttpError(422, 'validation', 'Send the field "labels": a JSON array with the label of each file, in file order.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Array.isArray(raw) ? raw[0] : raw);
  } catch {
    throw new HttpError(400, 'bad_request', 'The field "labels" must be a JSON array of label names, one per file, in file order.');
  }
  const r = Labels.safeParse(parsed);
  if (!r.success) throw new HttpError(422, 'validation', `The field "labels" must be a JSON array of label names: ${r.error.issues[0].message}`);
  if (r.data.length !== count) throw new HttpError(422, 'validation', `Got ${count} files but ${r.data.length} labels; send one label per file.`);
  return r.data;
}

/**
 * `POST /v1/models/:id/evaluate`: score a model on labelled pictures without adding them to
 * any dataset (Play's "score a test folder"). Multipart: files in the field `image`, and
 * `labels`, a JSON array with one label per file in file order.
 */
export function playRoutes(vision: VisionService): (v1: Blueprint) => void {
  return (v1) => {
    v1.post(
      '/models/:id/evaluate',
      {
        summary: 'Score the model on labelled pictures (multipart "image" files + "labels"): accuracy, per-label metrics, confusion matrix',
        tags: ['models'],
        schema: { params: IdParams, requestBody: { content: [evaluateForm] }, response: { 200: Evaluation } },
        timeoutMs: 10 * 60_000,
      },
      async (ctx) => {
        const model = vision.models.get(ctx.params.id);
        const type = String(ctx.headers['content-type'] ?? '')
          .split(';')[0]
          .trim()
          .toLowerCase();
        if (type !== 'multipart/form-data')
          throw new HttpError(415, 'unsupported_media_type', 'Send multipart/form-data: files in the field "image" and their labels in the field "labels".');
        const form = await ctx.multipart({
          maxFileSize: MAX_FILE_BYTES,
          maxTotalSize: 500 * 1024 * 1024,
          maxFiles: MAX_EVALUATE_PICTURES,
          fileFields: ['image'],
        });
        if (form.files.length === 0) throw new HttpError(400, 'bad_request', 'Send at least one file in the multipart field "image".');
        const names = form.files.map((f, i) => f.filename || `image ${i + 1}`);
        const labels = labelsOf(form.fields, names.length);
        const images: LabelledImage[] = form.files.map((f, i) => ({ name: names[i], input: f.buffer ?? Buffer.alloc(0), label: labels[i] }));
        return evaluateModel(vision.prediction, vision.models, model.id, images, ctx.signal);
      },
    );
  };
}
