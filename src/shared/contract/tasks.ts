import { z } from 'zod';
import { procedure } from './define';
import { Id, Page } from './library';

export const TaskState = z.enum(['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled']);
export type TaskState = z.infer<typeof TaskState>;

/**
 * A durable task (an import, a training run, a script…) as the Tasks page and `/v1/tasks`
 * see it. `failed` means "failed, will retry"; `dead` means out of attempts. Times are ISO.
 */
export const Task = z.object({
  id: Id,
  kind: z.string(),
  state: TaskState,
  attempts: z.number().int().nonnegative(),
  maxAttempts: z.number().int().nonnegative(),
  priority: z.number(),
  /** 0..1 */
  progress: z.number(),
  progressMessage: z.string().nullable(),
  input: z.unknown(),
  result: z.unknown(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  runAt: z.string(),
});
export type Task = z.infer<typeof Task>;

export const taskProcedures = {
  'tasks.list': procedure(
    z
      .object({
        state: TaskState.optional(),
        kind: z.string().max(100).optional(),
        limit: z.number().int().min(1).max(500).default(100),
        cursor: z.string().nullable().optional(),
      })
      .strict(),
    Page(Task),
  ),
  'tasks.get': procedure(z.object({ id: Id }).strict(), Task, { method: 'GET', path: '/tasks/:id', summary: 'One task', tags: ['tasks'] }),
  'tasks.cancel': procedure(z.object({ id: Id }).strict(), Task, { method: 'POST', path: '/tasks/:id/cancel', summary: 'Cancel a task', tags: ['tasks'] }),
  /** Runs a dead, failed or cancelled task again, its attempts reset. */
  'tasks.retry': procedure(z.object({ id: Id }).strict(), Task, {
    method: 'POST',
    path: '/tasks/:id/retry',
    summary: 'Run a dead, failed or cancelled task again',
    tags: ['tasks'],
  }),
};

export const taskEvents = {
  /** A task was created or changed state or progress. */
  'task.updated': Task,
};
