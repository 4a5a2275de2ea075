import type { z } from 'zod';
import type { AppErrorShape } from '../errors';

/**
 * The shape of the typed contract. A procedure is a pair of zod schemas; an event is one
 * schema. Both transports (Electron IPC and the headless WebSocket) carry exactly these,
 * validated in the main process by the one dispatcher.
 */
export interface ProcedureDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** Where the REST API serves this procedure too (src/main/api/contract-routes.ts mounts it); absent: IPC only. */
  http?: HttpBinding;
}

/**
 * A procedure's REST route, named once beside its schemas. The route's path parameters,
 * query (GET, DELETE) or JSON body (POST, PUT, PATCH) are the input's fields, merged and
 * checked by the input schema; the answer is the output, checked by the output schema.
 * The REST API is a published contract: a binding keeps the path, status and field names
 * the route had before it was derived from here.
 */
export interface HttpBinding {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Under /v1, in the framework's syntax: `/datasets/:id`. */
  path: string;
  /** The success status (default 200); 204 sends no body, whatever the handler answers. */
  status?: 200 | 201 | 202 | 204;
  summary: string;
  tags: string[];
  /** Path parameter → input field where the names differ (`{ id: 'datasetId' }`). */
  params?: Record<string, string>;
  /** The JSON body may be left out entirely (undo, redo: a POST that takes nothing). */
  optionalBody?: boolean;
  /** Overrides the server's handler deadline for slow work (ms); the handler sees the request's abort signal. */
  timeoutMs?: number;
}

/**
 * The largest call any transport carries, in bytes: the biggest input the schemas allow fits
 * (images.accept: 100,000 pictures × a 64-character id and a 100-character label, about
 * 18 MB of JSON). A transport with a smaller limit refused calls its own contract calls valid.
 */
export const MAX_CALL_BYTES = 24 * 1024 * 1024;

export function procedure<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, http?: HttpBinding): ProcedureDef<I, O> {
  return http ? { input, output, http } : { input, output };
}

/** The answer of one call on the wire. */
export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

/** Headless transport frames (WebSocket at /ipc). */
export interface CallFrame {
  id: number;
  method: string;
  params: unknown;
}
export type ReplyFrame = { id: number } & Envelope;
export interface EventFrame {
  event: string;
  payload: unknown;
}
