import { z } from 'zod';
import type { Dispatcher, EventBus, Handlers } from '../ipc/index';
import type { LibraryService } from '../services/library/index';
import type { ApiSettingsService } from '../services/settings/index';
import type { TaskService } from '../services/tasks/index';
import type { Metrics } from './metrics';
import type { BackboneStatus } from '../../shared/contract/index';

/** What the API routes need; built once by the composition root (src/main/app.ts). */
export interface ApiDeps {
  library: LibraryService;
  apiSettings: ApiSettingsService;
  tasks: TaskService;
  dispatcher: Dispatcher;
  /** The dispatcher's handlers: the REST routes the contract declares call these (contract-routes.ts). */
  handlers: Handlers;
  bus: EventBus;
  metrics: Metrics;
  version: string;
  /** Where the compute kinds run: the embedded SQLite queue, or Redis (`--broker`), its URL without password. */
  broker?: { kind: 'sqlite' } | { kind: 'redis'; url: string };
  /** The backbone's state for /v1/health (absent: reported as missing). */
  backbone?: () => BackboneStatus;
}

/** `?limit=` (default 50, max 500) and `?cursor=` on every list (API.md). */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(200).optional(),
});

/** Path ids: strings; a malformed one is simply not found (handled by the services). */
export const IdParams = z.object({ id: z.string().min(1).max(64) });
