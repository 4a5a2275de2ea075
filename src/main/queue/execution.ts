import { type StoredError, toStoredError } from './errors';
import type { ProcessPool } from './process-pool';
import type { AnyKind } from './registry';
import { type TaskRow, fromJson } from './store';
import type { TaskContext } from './types';

export type AttemptResult = { ok: true; result: unknown } | { ok: false; error: StoredError; cancelled: boolean };

export interface ExecutionHooks {
  progress(exec: Execution, fraction: number, message: string | null): void;
  log(exec: Execution, message: string): void;
  settled(exec: Execution, result: AttemptResult): void;
}

/**
 * One attempt of one task: runs the handler in this process or in the pool, enforces the
 * timeout through the AbortSignal (and by killing a child that ignores it), and reports
 * exactly one result. Anything reported after that (a late handler) is ignored.
 */
export class Execution {
  readonly id: number;
  /** The parsed input, shared by the handler and the published DTOs. */
  readonly input: unknown;
  // Created on first use: most handlers never read their signal, and an AbortController per task shows in profiles.
  private controller: AbortController | null = null;
  private abortReason: Error | null = null;
  progress = 0;
  progressMessage: string | null = null;
  done = false;
  cancelRequested = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly row: TaskRow,
    private readonly def: AnyKind,
    private readonly hooks: ExecutionHooks,
    private readonly pool: ProcessPool | null,
  ) {
    this.id = row.id;
    this.input = fromJson(row.input);
  }

  get attempt(): number {
    return this.row.attempts;
  }

  start(): void {
    const row = this.row;
    const timeoutMs = row.timeout_ms;
    if (timeoutMs !== null) {
      this.timer = setTimeout(() => {
        const error: StoredError = { code: 'timeout', message: `The task ran longer than its ${timeoutMs} ms timeout and was stopped.`, retryable: true };
        this.abort(Object.assign(new Error(error.message), { name: 'TimeoutError', code: 'timeout' }));
        this.pool?.abort(String(row.id), error);
        this.finish({ ok: false, error, cancelled: false });
      }, timeoutMs);
    }
    const idempotencyKey = row.dedupe_key ?? `${row.kind}:${row.id}`;
    if (this.def.process && this.pool) {
      const p = this.def.process;
      this.pool
        .run(
          { id: String(row.id), kind: row.kind, attempt: row.attempts, idempotencyKey, module: p.module, exportName: p.export ?? 'handler', input: this.input },
          { onProgress: (f, m) => this.reportProgress(f, m), onLog: (m) => this.hooks.log(this, m) },
        )
        .then((r) => this.finish(r.ok ? r : { ok: false, error: r.error, cancelled: this.cancelRequested }));
      return;
    }
    const ctx = new AttemptContext(this, idempotencyKey);
    const handler = this.def.handler!;
    try {
      const out = handler(this.input, ctx);
      if (out instanceof Promise) {
        out.then(
          (result) => this.finish({ ok: true, result }),
          (err) => this.finish({ ok: false, error: toStoredError(err), cancelled: this.cancelRequested }),
        );
      } else this.finish({ ok: true, result: out });
    } catch (err) {
      this.finish({ ok: false, error: toStoredError(err), cancelled: this.cancelRequested });
    }
  }

  /** Signals the handler; the task ends `cancelled` unless it still completes. */
  cancel(graceError: StoredError): void {
    if (this.done || this.cancelRequested) return;
    this.cancelRequested = true;
    this.abort(Object.assign(new Error('The task was cancelled.'), { name: 'AbortError', code: 'cancelled' }));
    this.pool?.abort(String(this.row.id), graceError);
  }

  /**
   * The lease is gone (its heartbeat could not be renewed, so another worker may run the task
   * now): stop the handler, and its child process if any, and report nothing.
   */
  lost(): void {
    if (this.done) return;
    this.abandon();
    this.pool?.abort(String(this.row.id), { code: 'lease_lost', message: "This worker lost the task's lease.", retryable: true });
  }

  /** Used at shutdown: stop the handler without reporting anything (the task is re-queued). */
  abandon(): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort(Object.assign(new Error('The queue is shutting down.'), { name: 'AbortError', code: 'shutdown' }));
  }

  /** @internal The handler's signal, made on first read. */
  signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  private abort(reason: Error): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  /** @internal */
  reportProgress(fraction: number, message: string | null): void {
    if (this.done) return;
    const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
    this.progress = f;
    this.progressMessage = message;
    this.hooks.progress(this, f, message);
  }

  /** @internal A log line from the handler; ignored once the attempt has ended. */
  handlerLog(message: unknown): void {
    if (!this.done) this.hooks.log(this, String(message));
  }

  private finish(result: AttemptResult): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.hooks.settled(this, result);
  }
}

/**
 * The handler's `ctx`. One object per attempt: its methods are own arrow properties, so a
 * handler may destructure them, and the signal is a prototype getter, created on first read.
 */
class AttemptContext implements TaskContext {
  readonly id: string;
  readonly kind: string;
  readonly attempt: number;
  readonly progress: (fraction: number, message?: string) => void;
  readonly log: (message: string) => void;
  readonly #exec: Execution;

  constructor(
    exec: Execution,
    readonly idempotencyKey: string,
  ) {
    this.#exec = exec;
    this.id = String(exec.id);
    this.kind = exec.row.kind;
    this.attempt = exec.row.attempts;
    this.progress = (f, m) => exec.reportProgress(f, m ?? null);
    this.log = (m) => exec.handlerLog(m);
  }

  get signal(): AbortSignal {
    return this.#exec.signal();
  }
}
