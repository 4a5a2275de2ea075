import type { Store } from '../store/index';
import type { draftProcedures } from '../../shared/contract/index';
import type { Handler } from './dispatcher';

const PREFIX = 'draft:';

/** UI drafts in the settings table, one row per key (merged in app.ts). */
export function draftHandlers(store: Store): { [K in keyof typeof draftProcedures]: Handler<K> } {
  return {
    'drafts.get': ({ key }) => ({ value: store.settings.get<string>(PREFIX + key) ?? null }),
    'drafts.set': ({ key, value }) => {
      if (value === null) store.settings.delete(PREFIX + key);
      else store.settings.set(PREFIX + key, value);
      return { ok: true as const };
    },
  };
}
