/**
 * Embed tasks waiting a moment for more pictures of their dataset.
 *
 * Why: an import stores its pictures one by one, and the embed task catches up after every
 * few. Ending there and queueing a new task for the next few made hundreds of tasks per
 * import, each a claim, a start, a finish, events and a row in the task list; going on at each
 * single picture made batches of one (an inference round trip, a transaction and a progress
 * write per picture, for 1 MP photos that arrive every 30 ms). So a waiting task goes on once
 * a batch has gathered or shortly after the first picture came, and ends when none came.
 */
export interface WaitOptions {
  /** How long to wait for a first picture before the task ends. */
  lingerMs: number;
  /** Pictures that make a batch: the task goes on at once when that many were stored. */
  batch: number;
  /** How long after the first picture the task goes on with however many came. */
  gatherMs: number;
}

export class PictureWaits {
  private readonly waiting = new Map<string, { finish: (more: boolean) => void; stored: () => void }>();

  /** Resolves true when pictures of `datasetId` were stored (see WaitOptions), false on timeout, abort, or another dataset's pictures. */
  wait(datasetId: string, signal: AbortSignal, opts: WaitOptions): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      let count = 0;
      let timer = setTimeout(() => finish(false), opts.lingerMs);
      const finish = (more: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
        if (this.waiting.get(datasetId) === entry) this.waiting.delete(datasetId);
        resolve(more);
      };
      const abort = () => finish(false);
      const entry = {
        finish,
        stored: () => {
          count++;
          if (count >= opts.batch) finish(true);
          else if (count === 1) {
            clearTimeout(timer);
            timer = setTimeout(() => finish(true), opts.gatherMs);
            timer.unref?.();
          }
        },
      };
      timer.unref?.();
      signal.addEventListener('abort', abort, { once: true });
      this.waiting.get(datasetId)?.finish(false);
      this.waiting.set(datasetId, entry);
    });
  }

  /**
   * Pictures of `datasetId` were stored (called in their transaction; the waiter goes on after
   * it commits). A task waiting on another dataset gives up its slot: embed tasks run one at a
   * time, and another dataset's work now waits for it.
   */
  stored(datasetId: string): void {
    for (const [id, entry] of this.waiting) {
      if (id === datasetId) entry.stored();
      else entry.finish(false);
    }
  }
}
