import { backoffDelay } from './backoff';
import type { AttemptResult, Execution } from './execution';
import { DEFAULT_BACKOFF, type Registry } from './registry';
import type { CommitRequest, FinishItem } from './store/redis/redis-store';
import type { RedisTaskRow } from './store/redis/rows';

/** A finished (or refused, or cancelled-before-start) attempt waiting for the next turn. */
export interface HeldFinish {
  item: FinishItem;
  exec: Execution | null;
}

/** A prefetched task started since the last turn: its fence and local start time. */
export interface StartNote {
  fence: string;
  at: number;
}

/** What one turn took out of the outbox: given back whole if the turn fails. */
export interface Taken {
  held: HeldFinish[];
  starts: Map<number, StartNote>;
}

/**
 * What a Redis runner owes the broker: finished attempts, starts of prefetched tasks,
 * progress and log lines. Each turn takes all of it at once and sends it as one commit
 * script, fenced per task by its claim's token; a turn that fails gives the finishes and
 * starts back (progress and logs are best effort and are dropped).
 */
export class TurnOutbox {
  finishes: HeldFinish[] = [];
  /** Prefetched tasks started since the last turn (local start time): the next turn writes their startedAt. */
  starts = new Map<number, StartNote>();
  readonly progress = new Set<Execution>();
  logs: { id: number; entry: string }[] = [];

  /** The commit half of the next turn, or null when nothing is owed. */
  request(): CommitRequest | null {
    if (this.finishes.length === 0 && this.progress.size === 0 && this.logs.length === 0 && this.starts.size === 0) return null;
    const progress = [...this.progress].map((e) => ({ id: e.id, fence: fenceOf(e), progress: e.progress, message: e.progressMessage }));
    const finish = this.finishes.map((f) => f.item);
    const ended = new Set<number>();
    for (const f of finish) {
      // Started and ended since the last turn: the finish carries how long it ran (one write, not two).
      const st = this.starts.get(f.id);
      if (!st) continue;
      f.s = String(Math.max(0, Date.now() - st.at));
      ended.add(f.id);
    }
    const starts = [...this.starts].filter(([id]) => !ended.has(id)).map(([id, st]) => ({ id, fence: st.fence }));
    return { starts, finish, progress, logs: this.logs };
  }

  /** Empties the outbox (after request(), as the turn is sent). */
  take(): Taken {
    const taken = { held: this.finishes, starts: this.starts };
    this.finishes = [];
    this.starts = new Map();
    this.progress.clear();
    this.logs = [];
    return taken;
  }

  /**
   * A turn failed: nothing of it landed (each script is all or nothing; a retried commit
   * whose first try did land is refused by its fence, which is harmless), so its finishes
   * and starts go back ahead of what came since.
   */
  giveBack(taken: Taken): void {
    this.finishes = taken.held.concat(this.finishes);
    for (const [id, st] of this.starts) taken.starts.set(id, st);
    this.starts = taken.starts;
  }
}

/** The finish a settled attempt commits: success, cancel, or failure with its retry delay (none when dead). */
export function finishItem(registry: Registry, exec: Execution, result: AttemptResult): FinishItem {
  const base = { id: exec.id, fence: fenceOf(exec) };
  if (result.ok) return { ...base, type: 's', a: result.result === undefined ? 'null' : JSON.stringify(result.result) };
  if (result.cancelled || exec.cancelRequested) return { ...base, type: 'c' };
  const row = exec.row;
  const e = result.error;
  const dead = !e.retryable || row.attempts >= row.max_attempts;
  const def = registry.has(row.kind) ? registry.get(row.kind) : null;
  const delay = dead ? '' : String(backoffDelay(def?.backoff ?? DEFAULT_BACKOFF, row.attempts));
  return { ...base, type: 'f', a: e.code, b: e.message, c: e.stack ?? '', d: delay };
}

/** The claim token an attempt's writes are fenced by. */
export function fenceOf(e: Execution): string {
  return (e.row as RedisTaskRow).fence ?? '';
}
