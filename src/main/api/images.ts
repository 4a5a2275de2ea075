import { z } from 'zod';
import { HttpError, type Blueprint } from '../http/index';
import { Agreement, Image, ImagePage, ImageSort, LabelName } from '../../shared/contract/index';
import { MAX_FILE_BYTES, type UploadFile } from '../services/library/index';
import { IdParams, PageQuery, type ApiDeps } from './deps';
import { anyImage, imageForm, UploadAnswer, webp } from './schemas';

const Confidence = z.coerce.number().min(0, 'Confidence is between 0 and 1.').max(1, 'Confidence is between 0 and 1.');

const ListQuery = PageQuery.extend({
  label: z.string().min(1).max(100).optional(),
  /** `unlabelled=true` (the spelling) and `unlabeled=true` (the first one) both work. */
  unlabelled: z.enum(['true', 'false']).optional(),
  unlabeled: z.enum(['true', 'false']).optional(),
  predicted: z.string().min(1).max(100).optional(),
  minConfidence: Confidence.optional(),
  maxConfidence: Confidence.optional(),
  /** Only labelled pictures whose label the active model's guess matches (`agrees`) or not (`disagrees`). */
  agreement: Agreement.optional(),
  /** Only pictures whose file name contains this text (any case). */
  q: z.string().max(200).optional(),
  sort: ImageSort.optional(),
});

const PatchImage = z.object({ label: LabelName.nullable() }).strict();

/** At most this many files per upload request; the browser shell sends bigger drops in batches. */
export const MAX_FILES_PER_UPLOAD = 100;

/**
 * Images: multipart upload (the browser shell's drop), list with filters, relabel, and the
 * thumbnail and original bytes for <img> tags.
 */
export function imageRoutes(v1: Blueprint, { library }: ApiDeps): void {
  v1.post(
    '/datasets/:id/images',
    {
      summary: 'Upload pictures (multipart field "image"; optional text field "label")',
      tags: ['images'],
      timeoutMs: 300_000,
      schema: {
        params: IdParams,
        requestBody: {
          content: [
            imageForm({
              label: { type: 'string', maxLength: 100, description: 'A label for every file.' },
              labels: { type: 'string', description: 'A JSON array with one label (or null) per file, in order.' },
            }),
          ],
        },
        response: { 201: UploadAnswer },
      },
    },
    async (ctx) => {
      library.getDataset(ctx.params.id);
      const form = await ctx.multipart({
        maxFileSize: MAX_FILE_BYTES,
        maxTotalSize: 256 * 1024 * 1024,
        maxFiles: MAX_FILES_PER_UPLOAD,
        fileFields: ['image'],
      });
      const label = parseLabel(form.fields.label, 'label');
      // Optional, Loupe's own: a JSON array with one label (or null) per file, in order.
      const perFile = parseLabels(form.fields.labels, form.files.length);
      const files: UploadFile[] = form.files.map((f, i) => ({
        name: f.filename || `image-${i + 1}`,
        bytes: f.buffer ?? Buffer.alloc(0),
        label: perFile?.[i] ?? label,
      }));
      if (files.length === 0) throw new HttpError(400, 'bad_request', 'Send at least one file in the multipart field "image".');
      const result = await library.upload(ctx.params.id, files, label);
      if (result.items.length === 0) {
        const first = result.failed[0];
        throw new HttpError(
          first.code === 'too_large' ? 413 : first.code === 'unsupported_media_type' ? 415 : 422,
          first.code,
          `${first.name}: ${first.message}`,
          {
            details: { failed: result.failed },
          },
        );
      }
      ctx.status(201);
      return {
        items: result.items.map((i) => ({ id: i.id, hash: i.hash, label: i.label, name: i.name, duplicate: i.duplicate })),
        imported: result.imported,
        duplicates: result.duplicates,
        failed: result.failed,
      };
    },
  );

  v1.get(
    '/datasets/:id/images',
    {
      summary:
        'Page through a dataset’s images, each with the active model’s prediction; filter by label, prediction, confidence, agreement and file name, sort by confidence, name or time added; the first page says the total',
      tags: ['images'],
      schema: { params: IdParams, query: ListQuery, response: { 200: ImagePage } },
    },
    (ctx) => {
      const q = ctx.valid.query;
      return library.listImages({
        datasetId: ctx.params.id,
        label: q.label,
        unlabeled: q.unlabelled === 'true' || q.unlabeled === 'true',
        predicted: q.predicted,
        minConfidence: q.minConfidence,
        maxConfidence: q.maxConfidence,
        agreement: q.agreement,
        q: q.q,
        sort: q.sort,
        limit: q.limit,
        cursor: q.cursor ?? null,
      });
    },
  );

  v1.patch(
    '/images/:id',
    { summary: 'Set or clear an image’s label', tags: ['images'], schema: { params: IdParams, body: PatchImage, response: { 200: Image } } },
    (ctx) => {
      library.getImage(ctx.params.id);
      library.setLabel([ctx.params.id], ctx.valid.body.label);
      return library.getImage(ctx.params.id);
    },
  );

  v1.delete(
    '/images/:id',
    { summary: 'Remove an image from its dataset', tags: ['images'], schema: { params: IdParams, response: { 204: null } } },
    async (ctx) => {
      library.getImage(ctx.params.id);
      await library.deleteImages([ctx.params.id]);
      ctx.empty(204);
    },
  );

  v1.get(
    '/images/:id/thumbnail',
    { summary: 'The 256 px WebP thumbnail', tags: ['images'], schema: { params: IdParams, response: { 200: webp, 304: null } } },
    async (ctx) => {
      const { webp, hash } = await library.thumbnail(ctx.params.id);
      // Content-addressed: the bytes behind an image id never change, and their hash is the validator.
      ctx.sendBytes(webp, { etag: `"${hash}"`, contentType: 'image/webp', maxAge: 31_536_000, immutable: true });
    },
  );

  v1.get('/images/:id/file', { summary: 'The original picture', tags: ['images'], schema: { params: IdParams, response: { 200: anyImage } } }, (ctx) =>
    ctx.sendFile(library.originalPath(ctx.params.id).path, { maxAge: 31_536_000, immutable: true }),
  );
}

function parseLabel(value: string | string[] | undefined, field: string): string | null {
  if (value === undefined || value === '') return null;
  const v = Array.isArray(value) ? value[0] : value;
  const r = LabelName.safeParse(v);
  if (!r.success) throw new HttpError(422, 'validation', `Invalid ${field}: ${r.error.issues[0]?.message ?? 'not a label name'}`);
  return r.data;
}

function parseLabels(value: string | string[] | undefined, count: number): Array<string | null> | null {
  if (value === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Array.isArray(value) ? value[0] : value);
  } catch {
    throw new HttpError(400, 'bad_request', 'The "labels" field must be a JSON array with one label or null per file.');
  }
  const r = z.array(LabelName.nullable()).length(count).safeParse(parsed);
  if (!r.success) throw new HttpError(422, 'validation', 'The "labels" field must hold one label (or null) per file, in order.');
  return r.data;
}
