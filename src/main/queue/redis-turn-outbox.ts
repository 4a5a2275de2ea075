import { backoffDelay } from './backoff';
import type { AttemptResult, Execution } from './execution';
import { DEFAULT_BACKOFF, type Registry } from './registry';
import type { CommitRequest, FinishItem } from './store/redis/redis-store';
import type { RedisTaskRow } from './store/redis/rows';

/**
 * The server's clock as this process sees it, from the replies that carry the server's time: a
 * prefetched task's start is sent as a time on the server's clock, not as how long ago it was,
 * so a turn sent again (a failed turn given back, or ioredis resending it after a reconnect)
 * writes the same start, not a later one. The offset kept is a lower bound (the server read its
 * clock before the reply arrived), so a start written from it is never later than the real one.
 */
export class ServerClock {
  /** server - local, at most the true offset; null until a reply was seen. */
  private lo: number | null = null;

  /** A reply carrying the server's time `serverNow` came back for a request sent at sentAt, received at recvAt (local ms). */
  note(serverNow: number, sentAt: number, recvAt: number): void {
    const lo = serverNow - recvAt;
    // hi bounds the offset from above: below the kept bound, this clock was set back or forward since.
    const hi = serverNow - sentAt;
    if (this.lo === null || lo > this.lo || hi < this.lo) this.lo = lo;
  }

  toServer(local: number): number {
    return local + (this.lo ?? 0);
  }
}

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
  readonly clock = new ServerClock();
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
      // Started and ended since the last turn: the finish carries its start (one write, not two).
      const st = this.starts.get(f.id);
      if (!st) continue;
      f.s = String(this.clock.toServer(st.at));
      ended.add(f.id);
    }
    const starts = [...this.starts].filter(([id]) => !ended.has(id)).map(([id, st]) => ({ id, fence: st.fence, at: this.clock.toServer(st.at) }));
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
  const id = exec.id;
  const fence = fenceOf(exec);
  if (result.ok) return { id, fence, type: 's', a: result.result === undefined ? 'null' : JSON.stringify(result.result) };
  if (result.cancelled || exec.cancelRequested) return { id, fence, type: 'c' };
  const row = exec.row;
  const e = result.error;
  const dead = !e.retryable || row.attempts >= row.max_attempts;
  const def = registry.has(row.kind) ? registry.get(row.kind) : null;
  const delay = dead ? '' : String(backoffDelay(def?.backoff ?? DEFAULT_BACKOFF, row.attempts));
  return { id, fence, type: 'f', a: e.code, b: e.message, c: e.stack ?? '', d: delay };
}

/** The claim token an attempt's writes are fenced by. */
export function fenceOf(e: Execution): string {
  return (e.row as RedisTaskRow).fence ?? '';
}
