import type { ZodType } from 'zod';
import { QueueError, type StoredError } from './errors';
import type { NewTask, StepSpec, TaskShape } from './store';
import type { Backoff, EnqueueItem, EnqueueOptions, KindDefinition } from './types';

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_BACKOFF: Backoff = { type: 'exponential', baseMs: 1000, maxMs: 5 * 60_000 };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kinds are heterogeneous; each is checked by its own schema
export type AnyKind = KindDefinition<any, any>;

function validNumber(v: unknown, name: string, min: number): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min)) {
    throw new QueueError('invalid_option', `${name} must be a number ≥ ${min} (got ${String(v)}).`);
  }
}

function describeIssues(schema: ZodType, input: unknown): string | null {
  const r = schema.safeParse(input);
  if (r.success) return null;
  return r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
}

/** The named handlers a queue knows, and the rules that turn (kind, input, options) into a row. */
export class Registry {
  private readonly kinds = new Map<string, AnyKind>();
  // Read on every claim: built once per define() rather than per call.
  private list: readonly [string, AnyKind][] | null = null;
  private nameList: readonly string[] | null = null;

  define(kind: string, def: AnyKind): void {
    if (typeof kind !== 'string' || kind.length === 0 || kind.startsWith('__')) {
      throw new QueueError('invalid_option', `A kind needs a non-empty name not starting with "__" (got "${String(kind)}").`);
    }
    if (this.kinds.has(kind)) throw new QueueError('duplicate_kind', `Kind "${kind}" is already defined.`);
    if (!def.handler === !def.process) {
      throw new QueueError('invalid_option', `Kind "${kind}" needs exactly one of handler (in process) or process.module (child process).`);
    }
    validNumber(def.concurrency, 'concurrency', 1);
    validNumber(def.timeoutMs, 'timeoutMs', 1);
    validNumber(def.maxAttempts, 'maxAttempts', 1);
    if (def.rateLimit) {
      validNumber(def.rateLimit.max, 'rateLimit.max', 1);
      validNumber(def.rateLimit.intervalMs, 'rateLimit.intervalMs', 1);
    }
    this.kinds.set(kind, def);
    this.list = null;
    this.nameList = null;
  }

  has(kind: string): boolean {
    return this.kinds.has(kind);
  }

  get(kind: string): AnyKind {
    const def = this.kinds.get(kind);
    if (!def) {
      const known = [...this.kinds.keys()].join(', ') || 'none defined';
      throw new QueueError('unknown_kind', `No task kind named "${kind}" (known kinds: ${known}).`);
    }
    return def;
  }

  names(): readonly string[] {
    return (this.nameList ??= [...this.kinds.keys()]);
  }

  entries(): readonly [string, AnyKind][] {
    return (this.list ??= [...this.kinds.entries()]);
  }

  /** Validates input with the kind's schema and returns the parsed value (zod defaults applied). */
  parseInput(kind: string, input: unknown, def = this.get(kind)): unknown {
    const r = def.input.safeParse(input);
    if (!r.success) {
      throw new QueueError('invalid_input', `Invalid input for "${kind}": ${describeIssues(def.input, input)}`, r.error.issues);
    }
    return r.data;
  }

  /** Resolves options against the kind's defaults; throws QueueError on anything invalid. */
  build(kind: string, input: unknown, opts: EnqueueOptions = {}, now = Date.now()): NewTask {
    const def = this.get(kind);
    const parsed = this.parseInput(kind, input, def);
    return { ...this.shape(kind, def, opts, now), input: parsed };
  }

  /**
   * A batch for enqueueMany, all validated before anything is stored. Items without options
   * share one shape per kind (every field resolved once, not per row): the store binds a
   * shared shape once per chunk, and the caller builds each Task from it and the input.
   */
  buildMany(items: readonly EnqueueItem[], now: number): { shapes: TaskShape[]; inputs: unknown[]; keyed: boolean } {
    const n = items.length;
    const shapes = new Array<TaskShape>(n);
    const inputs = new Array<unknown>(n);
    let keyed = false;
    let lastKind: string | null = null;
    let def: AnyKind | null = null;
    let plain: TaskShape | null = null; // the last kind's shape without options
    let i = 0;
    try {
      for (; i < n; i++) {
        const it = items[i];
        if (it.kind !== lastKind || def === null) {
          def = this.get(it.kind);
          lastKind = it.kind;
          plain = null;
        }
        inputs[i] = this.parseInput(it.kind, it.input, def);
        if (it.options === undefined) shapes[i] = plain ??= this.shape(it.kind, def, {}, now);
        else {
          const shape = this.shape(it.kind, def, it.options, now);
          keyed ||= shape.dedupeKey !== null;
          shapes[i] = shape;
        }
      }
    } catch (err) {
      // Name the item, so a caller can find it in a long batch.
      if (err instanceof QueueError && n > 1) throw new QueueError(err.code, `Item ${i}: ${err.message}`, err.details);
      throw err;
    }
    return { shapes, inputs, keyed };
  }

  /** A kind's row shape without an input (a workflow step whose input is decided when it starts). */
  shapeOf(kind: string, opts: EnqueueOptions = {}, now = Date.now()): TaskShape {
    return this.shape(kind, this.get(kind), opts, now);
  }

  /** Every field of a new row but its input: options checked and resolved against the kind's defaults. */
  private shape(kind: string, def: AnyKind, opts: EnqueueOptions, now: number): TaskShape {
    validNumber(opts.priority, 'priority', -1e9);
    validNumber(opts.delayMs, 'delayMs', 0);
    validNumber(opts.maxAttempts, 'maxAttempts', 1);
    validNumber(opts.timeoutMs, 'timeoutMs', 1);
    let runAt = now;
    if (opts.runAt !== undefined) {
      runAt = opts.runAt instanceof Date ? opts.runAt.getTime() : opts.runAt;
      if (!Number.isFinite(runAt)) throw new QueueError('invalid_option', 'runAt must be a valid Date or epoch milliseconds.');
    } else if (opts.delayMs !== undefined) runAt = now + opts.delayMs;
    let parentId: number | null = null;
    if (opts.parentId !== undefined) {
      parentId = Number(opts.parentId);
      if (!Number.isSafeInteger(parentId)) throw new QueueError('invalid_option', `parentId "${opts.parentId}" is not a task id.`);
    }
    return {
      kind,
      queue: opts.queue ?? def.queue ?? DEFAULT_QUEUE,
      priority: Math.trunc(opts.priority ?? def.priority ?? 0),
      maxAttempts: Math.trunc(opts.maxAttempts ?? def.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
      timeoutMs: opts.timeoutMs ?? def.timeoutMs ?? null,
      dedupeKey: opts.dedupeKey ?? null,
      ...(opts.debounce && opts.dedupeKey !== undefined ? { debounce: true } : {}),
      concurrencyKey: opts.concurrencyKey ?? null,
      concurrencyLimit: opts.concurrencyKey ? (def.concurrencyKeyLimit ?? 1) : null,
      parentId,
      position: null,
      workflow: null,
      spec: null,
      childrenTotal: null,
      runAt,
    };
  }

  /** For workflow steps decided at run time: errors become values the workflow records. */
  buildStep(step: StepSpec, input: unknown, parentId: number, position: number): NewTask | StoredError {
    try {
      const row = this.build(step.kind, input, (step.options ?? {}) as EnqueueOptions);
      return { ...row, parentId, position };
    } catch (err) {
      const e = err as QueueError;
      return { code: e.code ?? 'invalid_input', message: e.message, retryable: false };
    }
  }
}
