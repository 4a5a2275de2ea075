import { LoupeError, type AppErrorShape } from '../../shared/errors';
import { procedures, type CallOutput, type Envelope, type HandlerInput, type ProcedureName } from '../../shared/contract/index';
import { validationError } from './validation-error';

/** Who is calling: the handlers do not branch on it, but logs and rate limits may. */
export interface CallContext {
  transport: 'electron' | 'websocket' | 'direct' | 'http';
  /** Aborted when the caller goes away (HTTP: the client hung up or the deadline passed); slow handlers stop on it. */
  signal?: AbortSignal;
}

export type Handler<K extends ProcedureName> = (input: HandlerInput<K>, ctx: CallContext) => Promise<CallOutput<K>> | CallOutput<K>;

/** One handler per procedure of the contract: a missing one is a compile error. */
export type Handlers = { [K in ProcedureName]: Handler<K> };

export type ErrorLog = (err: unknown, info: { method: string; reason: 'handler' | 'output' }) => void;

export interface Dispatcher {
  /** Validates, runs and answers one call. Never rejects: failures are envelopes. */
  call(method: string, params: unknown, ctx?: CallContext): Promise<Envelope>;
  readonly methods: readonly string[];
}

const INTERNAL: AppErrorShape = { code: 'internal', message: 'Something went wrong inside Loupe. The details are in its log.' };

function isProcedure(method: string): method is ProcedureName {
  return Object.prototype.hasOwnProperty.call(procedures, method);
}

/** Any error a handler throws becomes `{code, message}`; only LoupeErrors speak for themselves. */
export function toErrorShape(err: unknown): AppErrorShape | null {
  if (err instanceof LoupeError) return err.toJSON();
  return null;
}

/**
 * The one dispatcher both shells share. Input is validated before a handler runs (a bad
 * payload is a `validation` error naming the field); output is validated after (a handler
 * that answers the wrong shape is a bug: logged, answered as `internal`, never leaked).
 */
export function createDispatcher(handlers: Handlers, opts: { log?: ErrorLog } = {}): Dispatcher {
  const log: ErrorLog = opts.log ?? ((err, info) => console.error(`loupe: ${info.method} failed (${info.reason}):`, err));
  const methods = Object.keys(procedures);

  async function call(method: string, params: unknown, ctx: CallContext = { transport: 'direct' }): Promise<Envelope> {
    if (typeof method !== 'string' || !isProcedure(method)) {
      return { ok: false, error: { code: 'not_found', message: `There is no procedure "${String(method)}".` } };
    }
    const def = procedures[method];
    const parsed = def.input.safeParse(params === undefined ? {} : params);
    if (!parsed.success) return { ok: false, error: validationError(parsed.error).toJSON() };
    let value: unknown;
    try {
      const handler = handlers[method] as (input: unknown, ctx: CallContext) => unknown;
      value = await handler(parsed.data, ctx);
    } catch (err) {
      const shape = toErrorShape(err);
      if (shape) return { ok: false, error: shape };
      log(err, { method, reason: 'handler' });
      return { ok: false, error: INTERNAL };
    }
    const checked = def.output.safeParse(value);
    if (!checked.success) {
      log(checked.error, { method, reason: 'output' });
      return { ok: false, error: INTERNAL };
    }
    return { ok: true, value: checked.data };
  }

  return { call, methods };
}
