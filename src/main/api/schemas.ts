import { z } from 'zod';
import type { BodyDoc } from '../http/index';
import { Id, ImportFailure, LabelConfidence } from '../../shared/contract/index';

/*
 * What the REST routes answer and take beyond the contract's records (Dataset, Image,
 * Task, Run, Model… live in src/shared/contract): the OpenAPI document is built from
 * these, and the contract test (test/api/contract.test.ts) checks every answer against it.
 */

export const Health = z.object({
  /** `degraded`: the server answers but cannot embed, train or predict (see `backbone`, `message`, `fix`). */
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  backbone: z.enum(['ready', 'loading', 'missing']),
  backboneId: z.string().nullable(),
  /** Which build of the default backbone embeds (`int8` where its accuracy check held); null when none is installed. */
  backboneVariant: z.enum(['float', 'int8']).nullable(),
  /** Why float embeds although int8 is the default (not built, or failed its accuracy check); null otherwise. */
  backboneNote: z.string().nullable(),
  /** Where the compute kinds run: the embedded SQLite queue, or Redis (`loupe serve --broker`). */
  broker: z.enum(['sqlite', 'redis']),
  message: z.string().nullable(),
  fix: z.string().nullable(),
});

/**
 * The body of a POST that takes none (undo, redo): nothing, or an empty JSON object. Declared
 * so the document says so and a body with fields is a 422 rather than silently ignored.
 */
export const NoBody = z.object({}).strict().optional();

export const TaskStarted = z.object({ taskId: Id });
export const TrainStarted = z.object({ taskId: Id, runId: Id });

export const UploadAnswer = z.object({
  items: z.array(z.object({ id: Id, hash: z.string(), label: z.string().nullable(), name: z.string(), duplicate: z.boolean() })),
  imported: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  failed: z.array(ImportFailure),
});

export const PredictAnswer = z.object({
  predictions: z.array(z.array(LabelConfidence)).describe('One list per picture, in the order sent, best label first.'),
});

export const ScriptAnswer = z.object({ output: z.string(), value: z.unknown() });

const binary = (type: string): BodyDoc => ({ contentType: type, schema: { type: 'string', contentMediaType: type } });

/** `multipart/form-data` with picture files in the field `image`. */
export function imageForm(extraFields: Record<string, Record<string, unknown>> = {}): BodyDoc {
  return {
    contentType: 'multipart/form-data',
    schema: {
      type: 'object',
      required: ['image'],
      properties: {
        image: {
          type: 'array',
          minItems: 1,
          items: { type: 'string', contentMediaType: 'application/octet-stream' },
          description: 'One or more picture files.',
        },
        ...extraFields,
      },
    },
  };
}

/** A picture's own bytes as the body (`Content-Type: image/*`). */
export const rawImage: BodyDoc[] = [binary('image/*'), binary('application/octet-stream')];

export const webp: BodyDoc = binary('image/webp');
export const anyImage: BodyDoc = binary('image/*');
export const onnxFile: BodyDoc = binary('application/octet-stream');
export const html: BodyDoc = { contentType: 'text/html', schema: { type: 'string' } };
export const prometheusText: BodyDoc = { contentType: 'text/plain', schema: { type: 'string' }, description: 'Prometheus text format 0.0.4' };
