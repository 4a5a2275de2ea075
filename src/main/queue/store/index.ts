import type { Database } from 'better-sqlite3';
import { ClaimStore } from './claim-store';
import { QueryStore } from './query-store';
import { ScheduleStore } from './schedule-store';
import { type DurabilityOptions, createSchema } from './schema';
import { TaskStore } from './task-store';
import { type BuildChild, WorkflowStore } from './workflow-store';

export type { TaskRow } from './rows';
export { rowToTask, parseId, fromJson } from './rows';
export type { NewTask, TaskShape, AttemptRef, Outcome } from './task-store';
export type { Candidate } from './claim-store';
export type { StepSpec, WorkflowSpec, BuildChild } from './workflow-store';
export type { DueSchedule } from './schedule-store';
export type { DurabilityOptions } from './schema';
export { percentiles, type StatsRows } from './query-store';

/** Every SQL statement the queue runs lives under store/; this bundles them for one database. */
export class Storage {
  readonly tasks: TaskStore;
  readonly claims: ClaimStore;
  readonly workflows: WorkflowStore;
  readonly queries: QueryStore;
  readonly schedules: ScheduleStore;

  constructor(
    readonly db: Database,
    build: BuildChild,
    durability: DurabilityOptions,
  ) {
    createSchema(db, durability);
    this.txn = db.transaction((fn: () => unknown) => fn());
    this.tasks = new TaskStore(db);
    this.claims = new ClaimStore(db);
    this.workflows = new WorkflowStore(this.tasks, build);
    this.queries = new QueryStore(db);
    this.schedules = new ScheduleStore(db);
  }

  /** BEGIN IMMEDIATE: takes the write lock up front, so claims never deadlock on upgrade. */
  write<T>(fn: () => T): T {
    return this.txn.immediate(fn) as T;
  }

  /**
   * The `synchronous` level to restore after a relaxed write, or null when every commit is
   * already cheap (NORMAL or OFF) or the journal is not WAL (where NORMAL is not safe
   * against power loss). Read once per group commit: the host may change it.
   */
  syncedCommits(): number | null {
    const level = this.db.pragma('synchronous', { simple: true }) as number;
    if (level < 2 || this.db.memory) return null;
    return this.db.pragma('journal_mode', { simple: true }) === 'wal' ? level : null;
  }

  /**
   * A write that need not survive power loss, committed without the fsync that FULL or
   * EXTRA adds, then `restore` (the connection's level) is set back. In WAL this cannot
   * corrupt anything; the next synced commit makes it durable too.
   */
  writeRelaxed<T>(fn: () => T, restore: number): T {
    this.db.exec('PRAGMA synchronous = NORMAL');
    try {
      return this.write(fn);
    } finally {
      this.db.exec(`PRAGMA synchronous = ${restore}`);
    }
  }

  private readonly txn: ReturnType<Database['transaction']>;
}
