import type { TaskMonitor } from '../services/tasks/index';
import type { queueMonitorProcedures } from '../../shared/contract/index';
import type { Handler } from './dispatcher';

type QueueMonitorProcedure = Exclude<keyof typeof queueMonitorProcedures, 'workers.list'>;

/** The Tasks page's monitoring procedures, bound to the task monitor (merged in app.ts). */
export function queueHandlers(monitor: TaskMonitor): { [K in QueueMonitorProcedure]: Handler<K> } {
  return {
    'tasks.stats': ({ windowMinutes }) => monitor.stats(windowMinutes),
    'tasks.inspect': ({ id }) => monitor.inspect(id),
    'tasks.timeline': ({ id }) => monitor.timeline(id),
    'tasks.children': ({ id }) => monitor.children(id),
    'tasks.deadLetters': ({ limit, cursor }) => monitor.deadLetters(limit, cursor),
    'tasks.requeueDead': ({ ids }) => monitor.requeueDead(ids),
    'queues.pause': ({ queue }) => monitor.pause(queue),
    'queues.resume': ({ queue }) => monitor.resume(queue),
  };
}
