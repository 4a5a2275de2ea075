import { backoffDelay } from './backoff';
import type { AttemptResult, Execution } from './execution';
import { DEFAULT_BACKOFF, type Registry } from './registry';
import { type Outcome, type Storage, rowToTask } from './store';
import type { Task } from './types';

interface Pending {
  exec: Execution;
  result: AttemptResult;
}

/** How the completions tell the queue what changed; `wants()` lets them skip building DTOs nobody reads. */
export interface CompletionPublisher {
  wants(): boolean;
  tasks(tasks: Task[]): void;
  ids(ids: Iterable<number>): void;
}

/**
 * Finished attempts, progress and logs waiting to be written: the group commit.
 *
 * The runner writes them in the transaction that also claims the next tasks, so a turn
 * costs one commit. Under `synchronous=NORMAL` that happens every turn. When the
 * connection syncs every commit (FULL or EXTRA: one fsync each), they are held for up to
 * `windowMs` while claims commit without an fsync, so one fsync covers every task that
 * finished in the window. A task counts as done only once the commit that records it has
 * returned: events go out after it, and a crash before it leaves the task `running`, to be
 * re-run when its lease is taken back (at-least-once).
 */
export class Completions {
  private pending: Pending[] = [];
  private readonly progress = new Set<Execution>();
  private logs: { id: number; attempt: number; at: number; message: string }[] = [];
  private flushed: { exec: Execution; outcome: Outcome }[] = [];
  /** When the oldest held item arrived; Infinity when nothing is held. */
  private since = Infinity;

  constructor(
    private readonly storage: Storage,
    private readonly registry: Registry,
    private readonly workerId: string,
    private readonly publish: CompletionPublisher,
    private readonly windowMs: number,
    private readonly maxHeld: number,
  ) {}

  get size(): number {
    return this.pending.length + this.progress.size + this.logs.length;
  }

  /** When the held items must be committed (Infinity: nothing held). */
  dueAt(): number {
    return this.pending.length >= this.maxHeld ? -Infinity : this.since + this.windowMs;
  }

  settled(exec: Execution, result: AttemptResult, now: number): void {
    this.pending.push({ exec, result });
    this.since = Math.min(this.since, now);
  }

  progressed(exec: Execution, now: number): void {
    this.progress.add(exec);
    this.since = Math.min(this.since, now);
  }

  logged(exec: Execution, at: number, message: string): void {
    this.logs.push({ id: exec.id, attempt: exec.attempt, at, message });
    this.since = Math.min(this.since, at);
  }

  /** Writes everything held; runs inside the caller's transaction and is undone with it. */
  flushInTxn(now: number): void {
    const { tasks, workflows } = this.storage;
    const pending = this.pending;
    this.pending = [];
    this.flushed = [];
    try {
      // Progress first, while the rows still run: a handler's last report ("8 of 8 files") and
      // its end often share a commit, and skipping it left the finished task with a stale one.
      for (const exec of this.progress) {
        tasks.saveProgress(exec.id, exec.progress, exec.progressMessage);
        if (exec.row.parent_id !== null) workflows.updateProgress(exec.row.parent_id);
      }
      for (const { exec, result } of pending) {
        const outcome = this.outcomeOf(exec, result, now);
        const row = exec.row;
        if (!tasks.finish({ id: row.id, attempts: row.attempts, workerId: this.workerId }, outcome, now)) continue;
        this.flushed.push({ exec, outcome });
        if (row.parent_id !== null && (outcome.kind !== 'failed' || outcome.retryAt === null)) {
          const after = tasks.row(row.id);
          if (after) workflows.childSettled(after, now);
        }
      }
      for (const l of this.logs) tasks.addLog(l.id, l.attempt, l.at, l.message);
    } catch (err) {
      // The transaction rolls back: keep everything for the next try.
      this.pending = pending.concat(this.pending);
      this.flushed = [];
      throw err;
    }
    this.progress.clear();
    this.logs = [];
    this.since = Infinity;
  }

  /** After the commit returned: announce what it recorded. */
  publishFlushed(now = Date.now()): void {
    const touched = this.storage.workflows.touched;
    if (this.flushed.length === 0 && touched.size === 0) return;
    if (this.publish.wants()) this.publish.tasks(this.flushed.map(({ exec, outcome }) => settledTask(exec, outcome, now)));
    this.flushed = [];
    if (touched.size > 0) {
      const ids = [...touched];
      touched.clear();
      this.publish.ids(ids);
    }
  }

  private outcomeOf(exec: Execution, result: AttemptResult, now: number): Outcome {
    if (result.ok) return { kind: 'succeeded', result: result.result };
    if (result.cancelled || exec.cancelRequested) return { kind: 'cancelled' };
    const row = exec.row;
    if (!result.error.retryable || row.attempts >= row.max_attempts) return { kind: 'failed', error: result.error, retryAt: null };
    const def = this.registry.has(row.kind) ? this.registry.get(row.kind) : null;
    return { kind: 'failed', error: result.error, retryAt: now + backoffDelay(def?.backoff ?? DEFAULT_BACKOFF, row.attempts) };
  }
}

/** The task as the attempt left it, for publishing without reading it back. */
function settledTask(exec: Execution, outcome: Outcome, now: number): Task {
  const t = rowToTask(exec.row, { input: exec.input, result: outcome.kind === 'succeeded' ? (outcome.result ?? null) : null });
  t.finishedAt = now;
  t.progress = exec.progress;
  t.progressMessage = exec.progressMessage;
  if (outcome.kind === 'succeeded') {
    t.state = 'succeeded';
    t.progress = 1;
    t.error = null;
  } else if (outcome.kind === 'cancelled') {
    t.state = 'cancelled';
    t.error = { code: 'cancelled', message: 'The task was cancelled while it ran.' };
  } else {
    t.state = outcome.retryAt === null ? 'dead' : 'failed';
    t.error = { code: outcome.error.code, message: outcome.error.message };
    if (outcome.retryAt !== null) {
      t.runAt = outcome.retryAt;
      t.finishedAt = null;
    }
  }
  return t;
}
