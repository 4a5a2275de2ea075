import type { StoredError } from '../errors';
import type { WorkflowKind } from '../types';
import { type TaskRow, fromJson, toJson } from './rows';
import { LIVE_SQL, Statements, WAITING_SQL } from './statements';
import type { NewTask, TaskStore } from './task-store';

/** One step of a workflow as stored in the parent's spec (input decided when it starts). */
export interface StepSpec {
  kind: string;
  input?: unknown;
  options?: Record<string, unknown>;
}

export interface WorkflowSpec {
  steps?: StepSpec[];
  mode?: 'failFast' | 'settleAll';
  callback?: StepSpec;
  size?: number;
}

/** Turns a step and its input into a row, or says why the input does not fit the kind. */
export type BuildChild = (step: StepSpec, input: unknown, parentId: number, position: number) => NewTask | StoredError;

/**
 * Advances workflows when a child settles, inside the transaction that settled it:
 * a chain starts its next step with the previous result, a group collects its children's
 * results in order once all are done (or fails fast), a chord starts its callback.
 * Every row it touches is recorded in `touched` so the caller can publish the changes.
 */
export class WorkflowStore {
  private readonly s: Statements;
  readonly touched = new Set<number>();

  constructor(
    private readonly tasks: TaskStore,
    private readonly build: BuildChild,
  ) {
    this.s = new Statements(tasks.db);
  }

  childSettled(child: TaskRow, now: number): void {
    // A task merely attached to a parent (enqueue's parentId) has no position and drives nothing.
    if (child.parent_id === null || child.position === null) return;
    const parent = this.tasks.row(child.parent_id);
    if (!parent || parent.state !== 'running' || parent.workflow === null) return;
    const spec = (fromJson(parent.spec) ?? {}) as WorkflowSpec;
    const kind: WorkflowKind = parent.workflow;
    const pos = child.position ?? 0;
    const groupSize = kind === 'chord' ? (spec.size ?? 0) : (parent.children_total ?? 0);
    const inGroup = kind !== 'chain' && pos < groupSize;
    this.updateProgress(parent.id);
    if (child.state === 'succeeded') {
      if (kind === 'chain') {
        const steps = spec.steps ?? [];
        if (pos + 1 < steps.length) this.startChild(parent, steps[pos + 1], fromJson(child.result), pos + 1, now);
        else this.settleParent(parent.id, 'succeeded', fromJson(child.result), null, now);
        return;
      }
      if (inGroup) return this.groupMaybeDone(parent, spec, groupSize, now);
      return this.settleParent(parent.id, 'succeeded', fromJson(child.result), null, now);
    }
    const failFast = kind === 'chord' || spec.mode !== 'settleAll';
    if (inGroup && !failFast) return this.groupMaybeDone(parent, spec, groupSize, now);
    const what = kind === 'chain' ? `step ${pos + 1} (${child.kind})` : inGroup ? `task ${pos + 1} (${child.kind})` : `the callback (${child.kind})`;
    if (child.state === 'cancelled') {
      this.cancelChildren(parent.id, now);
      return this.settleParent(parent.id, 'cancelled', null, { code: 'cancelled', message: `${what} was cancelled.` }, now);
    }
    this.cancelChildren(parent.id, now);
    this.settleParent(parent.id, 'dead', null, { code: 'child_failed', message: `${what} failed: ${child.error_message ?? 'unknown error'}` }, now);
  }

  /** Cancels a workflow and every child still waiting or running. */
  cancelWorkflow(parentId: number, now: number): void {
    this.cancelChildren(parentId, now);
    this.settleParent(parentId, 'cancelled', null, { code: 'cancelled', message: 'The workflow was cancelled.' }, now);
  }

  startChild(parent: TaskRow, step: StepSpec, input: unknown, position: number, now: number): void {
    const row = this.build(step, input, parent.id, position);
    if ('code' in row) {
      this.settleParent(parent.id, 'dead', null, { code: row.code, message: `step ${position + 1} (${step.kind}): ${row.message}` }, now);
      return;
    }
    const { id } = this.tasks.insert(row, now);
    this.touched.add(id);
  }

  private groupMaybeDone(parent: TaskRow, spec: WorkflowSpec, size: number, now: number): void {
    const children = this.s
      .get(`SELECT state, result, error_code, error_message FROM queue_tasks WHERE parent_id = ? AND position < ? ORDER BY position`)
      .all(parent.id, size) as Pick<TaskRow, 'state' | 'result' | 'error_code' | 'error_message'>[];
    if (children.length < size || children.some((c) => c.state !== 'succeeded' && c.state !== 'dead' && c.state !== 'cancelled')) return;
    const settled = spec.mode === 'settleAll' && parent.workflow === 'group';
    const results = children.map((c) =>
      settled
        ? { state: c.state, result: fromJson(c.result), error: c.error_code ? { code: c.error_code, message: c.error_message ?? '' } : null }
        : fromJson(c.result),
    );
    if (parent.workflow === 'chord' && spec.callback) {
      this.startChild(parent, spec.callback, results, size, now);
      return;
    }
    this.settleParent(parent.id, 'succeeded', results, null, now);
  }

  private cancelChildren(parentId: number, now: number): void {
    const ids = this.s
      .get(
        `UPDATE queue_tasks SET state = 'cancelled', finished_at = ?, error_code = 'cancelled',
              error_message = 'Its workflow ended before it ran.' WHERE parent_id = ? AND state IN ${WAITING_SQL} RETURNING id`,
      )
      .all(now, parentId) as { id: number }[];
    for (const r of ids) this.touched.add(r.id);
    const running = this.s
      .get(`UPDATE queue_tasks SET cancel_requested = 1 WHERE parent_id = ? AND state = 'running' AND workflow IS NULL RETURNING id`)
      .all(parentId) as { id: number }[];
    for (const r of running) this.touched.add(r.id);
  }

  private settleParent(
    id: number,
    state: 'succeeded' | 'dead' | 'cancelled',
    result: unknown,
    error: { code: string; message: string } | null,
    now: number,
  ): void {
    const changed = this.s
      .get(
        `UPDATE queue_tasks SET state = ?, result = ?, error_code = ?, error_message = ?, finished_at = ?,
              progress = CASE WHEN ? = 'succeeded' THEN 1 ELSE progress END
            WHERE id = ? AND state = 'running' RETURNING *`,
      )
      .all(state, toJson(result), error?.code ?? null, error?.message ?? null, now, state, id) as TaskRow[];
    for (const row of changed) {
      this.touched.add(row.id);
      this.childSettled(row, now);
    }
  }

  /** A parent's progress is the sum of its children's over the number of children it will have. */
  updateProgress(parentId: number): void {
    const r = this.s
      .get(
        `UPDATE queue_tasks SET progress = min(1.0, (SELECT coalesce(sum(CASE WHEN c.state = 'succeeded' THEN 1.0 ELSE c.progress END), 0)
              FROM queue_tasks c WHERE c.parent_id = queue_tasks.id) / max(1, coalesce(children_total, 1)))
            WHERE id = ? AND state = 'running' AND workflow IS NOT NULL`,
      )
      .run(parentId);
    if (r.changes > 0) this.touched.add(parentId);
  }

  liveChildren(parentId: number): number {
    return (this.s.get(`SELECT count(*) AS n FROM queue_tasks WHERE parent_id = ? AND state IN ${LIVE_SQL}`).get(parentId) as { n: number }).n;
  }
}
