/**
 * How the browser shell sends many pictures: grouped into small multipart requests (one
 * label per request, since the label is a form field), a few in flight at once. DOM-free,
 * so the planning and the pool are tested in Node; the fetch itself lives in client/upload.
 */

export interface BatchItem<F> {
  file: F;
  label?: string;
}

export interface Batch<F> {
  label?: string;
  items: BatchItem<F>[];
  bytes: number;
}

export interface BatchLimits {
  /** At most this many files in one request. */
  maxFiles: number;
  /** And at most about this many bytes (a single bigger file still goes alone). */
  maxBytes: number;
}

export const defaultLimits: BatchLimits = { maxFiles: 8, maxBytes: 8 * 1024 * 1024 };

/**
 * Splits the list into batches, keeping the input order within each label, and then deals
 * them out label by label (cats, dogs, cats, dogs…) so every label fills in at once while
 * a big import runs. Sizes are read from `size` only; no bytes are touched.
 */
export function planBatches<F extends { size: number }>(items: readonly BatchItem<F>[], limits: BatchLimits = defaultLimits): Batch<F>[] {
  const perLabel = new Map<string, Batch<F>[]>();
  for (const item of items) {
    const key = item.label ?? '\u0000';
    let list = perLabel.get(key);
    if (!list) perLabel.set(key, (list = []));
    let b: Batch<F> | undefined = list[list.length - 1];
    if (!b || b.items.length >= limits.maxFiles || (b.items.length > 0 && b.bytes + item.file.size > limits.maxBytes)) {
      b = { label: item.label, items: [], bytes: 0 };
      list.push(b);
    }
    b.items.push(item);
    b.bytes += item.file.size;
  }
  const out: Batch<F>[] = [];
  const lists = [...perLabel.values()];
  for (let round = 0; out.length < lists.reduce((n, l) => n + l.length, 0); round++) {
    for (const l of lists) if (round < l.length) out.push(l[round]);
  }
  return out;
}

export class CancelledError extends Error {
  readonly code = 'cancelled';
  constructor() {
    super('The import was cancelled.');
    this.name = 'CancelledError';
  }
}

/**
 * Runs `work` over every task with at most `concurrency` running at once. Stops starting
 * new ones when the signal aborts (running ones see the same signal) and then rejects with
 * CancelledError. A task's own failure is its business: `work` should catch and record it.
 */
export async function runPool<T>(
  tasks: readonly T[],
  concurrency: number,
  work: (task: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      if (signal?.aborted) return;
      const i = next++;
      await work(tasks[i], i);
    }
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, lane);
  await Promise.all(lanes);
  if (signal?.aborted) throw new CancelledError();
}

/** Totals of an import as the progress bar and the failures panel show them. */
export interface UploadTally {
  done: number;
  total: number;
  imported: number;
  duplicates: number;
  failed: Array<{ name: string; code: string; message: string }>;
}

export function newTally(total: number): UploadTally {
  return { done: 0, total, imported: 0, duplicates: 0, failed: [] };
}

/**
 * Calls `fn` at most once per `ms` (leading and trailing), so a thousand per-file progress
 * updates become a few dozen renders.
 */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number): ((...args: A) => void) & { flush(): void } {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: A | null = null;
  const fire = () => {
    timer = null;
    last = Date.now();
    if (pending) {
      const a = pending;
      pending = null;
      fn(...a);
    }
  };
  const wrapped = (...args: A) => {
    pending = args;
    const wait = ms - (Date.now() - last);
    if (wait <= 0 && timer === null) fire();
    else if (timer === null) timer = setTimeout(fire, Math.max(0, wait));
  };
  wrapped.flush = () => {
    if (timer !== null) clearTimeout(timer);
    fire();
  };
  return wrapped;
}
