/**
 * Errors are values with a stable `code` and a message a person can act on. QueueError is
 * thrown by the queue's own API (bad input, unknown ids); UnrecoverableError is thrown by
 * handlers that know a retry cannot help, so the task goes straight to `dead`.
 */
export type QueueErrorCode =
  'unknown_kind' | 'invalid_input' | 'invalid_cron' | 'invalid_timezone' | 'invalid_option' | 'duplicate_kind' | 'not_found' | 'invalid_state' | 'stopped';

export class QueueError extends Error {
  readonly code: QueueErrorCode;
  readonly details?: unknown;

  constructor(code: QueueErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'QueueError';
    this.code = code;
    this.details = details;
  }
}

/** Throw from a handler to fail the task without spending its remaining attempts. */
export class UnrecoverableError extends Error {
  readonly code: string;

  constructor(message: string, code = 'unrecoverable') {
    super(message);
    this.name = 'UnrecoverableError';
    this.code = code;
  }
}

/** What a failed attempt stores: code and message are shown, the stack only logged. */
export interface StoredError {
  code: string;
  message: string;
  stack?: string;
  retryable: boolean;
}

export function toStoredError(err: unknown, fallbackCode = 'handler_error'): StoredError {
  if (err instanceof Error) {
    const raw = (err as unknown as { code?: unknown }).code;
    const code = typeof raw === 'string' ? raw : fallbackCode;
    return {
      code,
      message: err.message || err.name,
      stack: err.stack,
      retryable: !(err instanceof UnrecoverableError) && (err as { retryable?: unknown }).retryable !== false,
    };
  }
  return { code: fallbackCode, message: typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err)), retryable: true };
}
