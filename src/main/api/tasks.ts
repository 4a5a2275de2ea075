import { z } from 'zod';
import type { Blueprint } from '../http/index';
import { Page, Task, TaskState } from '../../shared/contract/index';
import { PageQuery, type ApiDeps } from './deps';

const CreateTask = z
  .object({
    kind: z.string().min(1).max(100),
    input: z.unknown(),
    priority: z.number().int().min(-1000).max(1000).optional(),
    runAt: z.union([z.string().max(40), z.number().int().nonnegative()]).optional(),
    maxAttempts: z.number().int().min(1).max(100).optional(),
    timeoutMs: z.number().int().min(1).max(86_400_000).optional(),
  })
  .strict();

const ListTasks = PageQuery.extend({ state: TaskState.optional(), kind: z.string().max(100).optional() });

/**
 * Durable tasks (API.md): create any kind and page by state (REST's own: the app lists
 * with another default page size); read, cancel and retry are the contract's `tasks.*`.
 */
export function taskRoutes(v1: Blueprint, { tasks }: ApiDeps): void {
  v1.post('/tasks', { summary: 'Queue a task (kinds: import, script)', tags: ['tasks'], schema: { body: CreateTask, response: { 201: Task } } }, (ctx) => {
    const b = ctx.valid.body;
    ctx.status(201);
    return tasks.enqueue({ kind: b.kind, input: b.input ?? {}, priority: b.priority, runAt: b.runAt, maxAttempts: b.maxAttempts, timeoutMs: b.timeoutMs });
  });

  v1.get('/tasks', { summary: 'Page through tasks, newest first', tags: ['tasks'], schema: { query: ListTasks, response: { 200: Page(Task) } } }, (ctx) => {
    const q = ctx.valid.query;
    return tasks.list({ state: q.state, kind: q.kind, limit: q.limit, cursor: q.cursor ?? null });
  });
}
