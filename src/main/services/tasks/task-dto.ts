import type { Task as QueueTask } from '../../queue/index';
import type { Task } from '../../../shared/contract/index';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The queue's task as the contract and the API show it (ISO times, no worker internals). */
export function toTaskDto(t: QueueTask): Task {
  return {
    id: t.id,
    kind: t.kind,
    state: t.state,
    attempts: t.attempts,
    maxAttempts: t.maxAttempts,
    priority: t.priority,
    progress: t.progress,
    progressMessage: t.progressMessage,
    input: t.input,
    result: t.result,
    error: t.error,
    createdAt: iso(t.createdAt)!,
    startedAt: iso(t.startedAt),
    finishedAt: iso(t.finishedAt),
    runAt: iso(t.runAt)!,
  };
}
