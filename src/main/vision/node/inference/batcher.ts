// Dynamic batching: items wait at most `maxDelayMs` for company, a batch never exceeds
// `maxBatch`, and only one batch runs at a time (the runtime already uses every core it is
// given); items that arrive during a run join the next batch, which starts when full or when
// its first item has waited `maxDelayMs`.

export interface BatcherOptions<I, O> {
  maxBatch: number;
  maxDelayMs: number;
  run: (items: I[]) => Promise<O[]>;
  /** Called when a batch leaves the queue (room for more producers). */
  onTake?: () => void;
  /** Whether more items are on their way; when not, a partial batch runs at once instead of waiting. */
  moreComing?: () => boolean;
}

interface Pending<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class DynamicBatcher<I, O> {
  private queue: Array<Pending<I, O>> = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: BatcherOptions<I, O>) {}

  /** Items queued but not yet running. */
  get waiting(): number {
    return this.queue.length;
  }

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queue.length >= this.opts.maxBatch || (this.opts.moreComing && !this.opts.moreComing())) {
      this.flush();
    } else if (!this.timer && this.queue.length > 0) {
      this.timer = setTimeout(() => this.flush(), this.opts.maxDelayMs);
    }
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.opts.maxBatch);
    this.running = true;
    this.opts.onTake?.();
    this.opts
      .run(batch.map((p) => p.item))
      .then(
        (outs) => batch.forEach((p, i) => p.resolve(outs[i])),
        (err) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        this.running = false;
        if (this.queue.length > 0) this.schedule();
        else this.idleWaiters.splice(0).forEach((r) => r());
      });
  }
}
