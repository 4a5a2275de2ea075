import { z } from 'zod';
import { HttpError, type App, type Blueprint, type Context } from '../http/index';
import { Model, Page, Run, TrainParams } from '../../shared/contract/index';
import type { NamedImage, VisionService } from '../services/vision/index';
import { MAX_FILE_BYTES } from '../services/library/index';
import { IdParams, PageQuery } from './deps';
import { lobeRoutes } from './vision-lobe';
import { imageForm, onnxFile, PredictAnswer, rawImage, TrainStarted } from './schemas';

const ModelsQuery = PageQuery.extend({ datasetId: z.string().min(1).max(64).optional() });
const RunsQuery = PageQuery;
const PredictQuery = z.object({ top: z.coerce.number().int().min(1).max(100).optional() });

/** Most pictures in one predict request; bigger batches belong in a `predict-folder` task. */
const MAX_PREDICT_FILES = 64;

/**
 * The images of a predict request: raw bytes with `Content-Type: image/*`, or multipart
 * with one or more files in the field `image` (API.md).
 */
export async function predictImages(ctx: Context): Promise<NamedImage[]> {
  const type = String(ctx.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (type.startsWith('image/') || type === 'application/octet-stream') {
    const bytes = await ctx.raw(MAX_FILE_BYTES);
    if (bytes.length === 0) throw new HttpError(400, 'empty_body', 'The request body is empty; send the picture’s bytes.');
    return [{ name: 'the picture', input: bytes }];
  }
  if (type === 'multipart/form-data') {
    const form = await ctx.multipart({ maxFileSize: MAX_FILE_BYTES, maxTotalSize: 200 * 1024 * 1024, maxFiles: MAX_PREDICT_FILES, fileFields: ['image'] });
    if (form.files.length === 0) throw new HttpError(400, 'bad_request', 'Send at least one file in the multipart field "image".');
    return form.files.map((f, i) => ({ name: f.filename || `image ${i + 1}`, input: f.buffer ?? Buffer.alloc(0) }));
  }
  throw new HttpError(415, 'unsupported_media_type', 'Send the picture as image/* bytes, or as multipart/form-data with files in the field "image".');
}

/**
 * Training runs and models under /v1 (API.md): start a run, read it, list and read models,
 * download the exported ONNX file, classify pictures. Plus the Lobe-compatible route.
 */
export function visionRoutes(vision: VisionService): (v1: Blueprint, app: App) => void {
  return (v1, app) => {
    v1.post(
      '/datasets/:id/train',
      {
        summary: 'Train a model on the dataset’s labelled pictures (409 when nothing changed since the last model; ?force=true trains anyway)',
        tags: ['models'],
        schema: {
          params: IdParams,
          body: TrainParams.optional(),
          query: z.object({ force: z.enum(['true', 'false']).optional() }),
          response: { 202: TrainStarted },
        },
      },
      (ctx) => {
        const started = vision.startTraining(ctx.params.id, ctx.valid.body ?? {}, ctx.valid.query.force === 'true');
        ctx.status(202);
        return started;
      },
    );

    // GET and PUT …/train-prefs (the stored preferences; `augment` given to POST …/train above
    // stores it too), GET /runs/:id, POST /runs/:id/cancel and GET /models/:id are the
    // contract's (training.*, runs.get, models.get), mounted by contract-routes.ts.

    v1.get(
      '/datasets/:id/runs',
      { summary: 'The dataset’s training runs, newest first', tags: ['models'], schema: { params: IdParams, query: RunsQuery, response: { 200: Page(Run) } } },
      (ctx) => vision.records.listRuns(ctx.params.id, ctx.valid.query.limit, ctx.valid.query.cursor ?? null),
    );

    v1.get('/models', { summary: 'Models, newest first', tags: ['models'], schema: { query: ModelsQuery, response: { 200: Page(Model) } } }, (ctx) => {
      const q = ctx.valid.query;
      return vision.models.list(q.datasetId, q.limit, q.cursor ?? null);
    });

    v1.get(
      '/models/:id/export',
      {
        summary: 'The model as one ONNX file (uint8 image in, probabilities out)',
        tags: ['models'],
        schema: { params: IdParams, response: { 200: onnxFile } },
        timeoutMs: 120_000,
      },
      async (ctx) => {
        const model = vision.models.get(ctx.params.id);
        const path = await vision.models.ensureExport(model.id);
        const safe = model.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || `model-${model.id}`;
        await ctx.sendFile(path, { contentType: 'application/octet-stream', download: `${safe}.onnx` });
      },
    );

    v1.post(
      '/models/:id/predict',
      {
        summary: 'Classify pictures (image/* bytes or multipart "image" files); ?top=K',
        tags: ['models'],
        schema: { params: IdParams, query: PredictQuery, requestBody: { content: [...rawImage, imageForm()] }, response: { 200: PredictAnswer } },
        timeoutMs: 120_000,
      },
      async (ctx) => {
        const model = vision.models.get(ctx.params.id);
        const images = await predictImages(ctx);
        const top = ctx.valid.query.top ?? model.labels.length;
        return { predictions: await vision.prediction.predict(model.id, images, top, ctx.signal) };
      },
    );

    lobeRoutes(app, vision);
  };
}
