import type { Database } from 'better-sqlite3';
import { ClaimStore } from './claim-store';
import { QueryStore } from './query-store';
import { ScheduleStore } from './schedule-store';
import { type DurabilityOptions, createSchema } from './schema';
import { TaskStore } from './task-store';
import { type BuildChild, WorkflowStore } from './workflow-store';

export type { TaskRow } from './rows';
export { rowToTask, parseId, fromJson } from './rows';
export type { NewTask, AttemptRef, Outcome } from './task-store';
export type { Candidate } from './claim-store';
export type { StepSpec, WorkflowSpec, BuildChild } from './workflow-store';
export type { DueSchedule } from './schedule-store';
export type { DurabilityOptions } from './schema';
export { percentiles } from './query-store';

/** Every SQL statement the queue runs lives under store/; this bundles them for one database. */
export class Storage {
  readonly tasks: TaskStore;
  readonly claims: ClaimStore;
  readonly workflows: WorkflowStore;
  readonly queries: QueryStore;
  readonly schedules: ScheduleStore;

  constructor(readonly db: Database, build: BuildChild, durability: DurabilityOptions) {
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

  private readonly txn: ReturnType<Database['transaction']>;
}
