import type { ScriptService } from '../services/scripts/index';
import type { scriptProcedures } from '../../shared/contract/index';
import type { Handler } from './dispatcher';

/** The scripts procedures of the contract, bound to the scripts service (merged in app.ts). */
export function scriptHandlers(scripts: ScriptService): { [K in keyof typeof scriptProcedures]: Handler<K> } {
  return {
    'scripts.list': () => ({ items: scripts.repo.list() }),
    'scripts.get': ({ id }) => scripts.get(id),
    'scripts.save': (input) => scripts.save(input),
    'scripts.delete': ({ id }) => ({ deleted: scripts.delete(id) }),
    'scripts.run': (input) => scripts.run(input),
    'scripts.stop': ({ runId }) => scripts.stop(runId),
    'scripts.check': ({ source }) => scripts.check(source),
    'scripts.format': ({ source }) => scripts.format(source),
    'scripts.templates': () => scripts.templates(),
    'scripts.schedule.set': ({ id, cron, enabled }) => scripts.setSchedule(id, cron, enabled),
    'scripts.schedule.clear': ({ id }) => scripts.clearSchedule(id),
    'scripts.folders.list': () => ({ items: scripts.folders.list() }),
    'scripts.folders.grant': ({ path }) => ({ items: scripts.folders.grant(path) }),
    'scripts.folders.revoke': ({ path }) => ({ items: scripts.folders.revoke(path) }),
  };
}
