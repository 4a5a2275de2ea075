export { TaskService, type EnqueueRequest } from './task-service';
export { PUBLIC_KINDS, ImportTaskInput } from './kinds';
export { toTaskDto } from './task-dto';
export { TaskMonitor, RUN_BUCKETS_S } from './monitor';
