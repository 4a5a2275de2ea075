export { TaskQueue, type TaskQueueOptions, type LogEvent } from './task-queue';
export { QueueError, UnrecoverableError, type QueueErrorCode } from './errors';
export { ProcessPool, forkChild, type ProcessPoolOptions } from './process-pool';
export type { ChildLike, SpawnChild, SpawnOptions, FromChild, ToChild } from './child-protocol';
export { parseCron } from './scheduler';
export { backoffDelay } from './backoff';
export type { GroupOptions } from './workflow';
export type * from './types';
