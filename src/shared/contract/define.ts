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
}

export function procedure<I extends z.ZodType, O extends z.ZodType>(input: I, output: O): ProcedureDef<I, O> {
  return { input, output };
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
