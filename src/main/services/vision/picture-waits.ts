/**
 * Embed tasks waiting a moment for more pictures of their dataset.
 *
 * Why: an import stores its pictures one by one, and the embed task catches up after every
 * few. Ending there and queueing a new task for the next few made hundreds of tasks per
 * import, each a claim, a start, a finish, events and a row in the task list, and a slow
 * import (1 MP photos) paid about a millisecond of the server's CPU per picture for them.
 * A task that waits `ms` for the next picture keeps one task for the whole import.
 */
export class PictureWaits {
  private readonly waiting = new Map<string, (more: boolean) => void>();

  /** Resolves true when pictures of `datasetId` are stored within `ms`, false on timeout, abort, or another dataset's pictures. */
  wait(datasetId: string, signal: AbortSignal, ms: number): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (more: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
        if (this.waiting.get(datasetId) === finish) this.waiting.delete(datasetId);
        resolve(more);
      };
      const abort = () => finish(false);
      const timer = setTimeout(abort, ms);
      timer.unref?.();
      signal.addEventListener('abort', abort, { once: true });
      this.waiting.get(datasetId)?.(false);
      this.waiting.set(datasetId, finish);
    });
  }

  /**
   * Pictures of `datasetId` were stored (called in their transaction; the waiter goes on after
   * it commits). A task waiting on another dataset gives up its slot: embed tasks run one at a
   * time, and another dataset's work now waits for it.
   */
  stored(datasetId: string): void {
    for (const [id, finish] of this.waiting) finish(id === datasetId);
  }
}
